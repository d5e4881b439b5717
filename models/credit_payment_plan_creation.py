"""How a payment plan is created: the checks shared by the wizard, the portal
and activation (invoices, grade limit, review), the schedule and the request."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command

from ..tools import payment_schedule
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
)

OPEN_PLAN_STATES = ("draft", "active")
# Why a plan asked for on the portal waits for a collector.
REVIEW_STAGES = ("agency", "legal")


class CreditPaymentPlanCreation(models.AbstractModel):
    """Creation of ``credit.payment.plan`` (inherited by it)."""

    _name = "credit.payment.plan.creation"
    _description = "Payment Plan: Creation"

    # ------------------------------------------------------------------
    # Business methods: creation
    # ------------------------------------------------------------------

    @api.model
    def _credit_create_plan(self, partner, moves, params, source="backend"):
        """Check and create a draft plan with its schedule."""
        self.check_access("create")
        company = moves.company_id[:1] or self.env.company
        partner = partner.commercial_partner_id
        self._credit_check_invoices(moves, partner=partner, company=company)
        schedule = self._credit_compute_schedule(moves, params)
        exceeds = self._credit_check_grade_limit(partner, company, schedule.count)
        currency = moves.currency_id[:1]
        collector = self.env.user
        if source == "portal":
            collector = partner.with_company(company)._credit_collector()
            if collector.share:
                collector = company.credit_fallback_user_id
        # The one way to make a plan: its schedule is the calculator's.
        plan = (
            self.sudo()
            .create(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "move_ids": [Command.set(moves.ids)],
                    "date": params.get("date") or fields.Date.context_today(self),
                    "first_date": params["first_date"],
                    "frequency": params.get("frequency") or "monthly",
                    "interval_days": params.get("interval_days") or 0,
                    "installment_count": schedule.count,
                    "amount_invoices": float(schedule.principal),
                    "down_payment": float(schedule.down_payment),
                    "interest_rate": params.get("interest_rate") or 0.0,
                    "interest_amount": float(schedule.interest),
                    "fee_amount": float(schedule.fee),
                    "source": source,
                    "exceeds_grade_limit": exceeds,
                    "user_id": collector.id,
                    "installment_ids": [
                        Command.create(
                            {
                                "sequence": item.sequence,
                                "date_due": item.date_due,
                                "amount": float(item.amount),
                                "is_down_payment": item.is_down_payment,
                            }
                        )
                        for item in schedule.installments
                    ],
                }
            )
            .with_env(self.env)
        )
        if exceeds:
            plan.message_post(
                body=self.env._(
                    "%(count)s installments, over the %(maximum)s the risk grade "
                    "allows: approved by %(user)s.",
                    count=schedule.count,
                    maximum=self._credit_max_installments(partner, company),
                    user=self.env.user.name,
                )
            )
        return plan

    @api.model
    def _credit_create_from_request(
        self, partner, invoices, installments, first_date, auto_approve=False
    ):
        """Public API for the customer portal: a monthly plan of
        ``installments`` over ``invoices`` from ``first_date``. Within the
        grade's and the portal's limits and with ``auto_approve`` it is
        activated at once, unless the customer is at the agency or legal
        stage, on credit hold or disputes some of the invoices: then, as
        without ``auto_approve``, it stays a draft request until a collector
        approves it.

        :raise UserError, ValidationError, AccessError: bad request or over
            the grade's or the portal's limit
        """
        company = invoices.company_id[:1] or self.env.company
        self._credit_check_grade_limit(partner, company, installments)
        maximum = self._credit_portal_max_installments(partner, company)
        if installments > maximum:
            raise UserError(
                self.env._(
                    "You can ask for at most %(maximum)s installments; for "
                    "more, please contact us.",
                    maximum=maximum,
                )
            )
        plan = self._credit_create_plan(
            partner,
            invoices,
            {
                "first_date": fields.Date.to_date(first_date),
                "frequency": "monthly",
                "installment_count": installments,
            },
            source="portal",
        )
        plan.message_post(
            body=self.env._("Payment plan requested by the customer on the portal.")
        )
        reasons = self._credit_review_reasons(partner, invoices, company)
        if reasons:
            plan.message_post(
                body=self.env._(
                    "To be approved by a collector: %(reasons)s.",
                    reasons="; ".join(reasons),
                )
            )
        elif auto_approve:
            plan.action_activate()
            return plan
        plan._credit_schedule_approval(reasons)
        return plan

    def _credit_schedule_approval(self, reasons):
        """A request left in draft waits for a person: a to-do for the plan's
        collector, else the company's collections user (none set: the
        request stays in the plans' list only)."""
        self.ensure_one()
        plan = self.sudo()  # the collector is internal data
        user = plan.user_id if plan.user_id._credit_is_person() else None
        user = user or plan.company_id.credit_fallback_user_id
        if not user._credit_is_person():
            return
        summary = self.env._(
            "Payment plan request of %(partner)s to approve",
            partner=plan.partner_id.display_name,
        )
        if reasons:
            summary = self.env._(
                "%(summary)s: %(reasons)s",
                summary=summary,
                reasons="; ".join(reasons),
            )
        plan.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=summary,
            user_id=user.id,
        )

    @api.model
    def _credit_compute_schedule(self, moves, params, today=None):
        """The schedule of a plan over ``moves`` with ``params`` (first_date,
        frequency, interval_days, installment_count or installment_amount,
        down_payment, interest_rate, fee_amount, date).

        :raise UserError: bad input, in words
        """
        today = today or fields.Date.context_today(self)
        start = params.get("date") or today
        first_date = params.get("first_date")
        if first_date and first_date < today:
            raise UserError(self.env._("The first due date cannot be in the past."))
        currency = moves.currency_id[:1] or self.env.company.currency_id
        principal = sum(moves.mapped("amount_residual"))
        count = params.get("installment_count")
        amount = params.get("installment_amount")
        try:
            return payment_schedule.compute_schedule(
                principal=currency.round(principal),
                first_date=first_date,
                frequency=params.get("frequency") or "monthly",
                count=count if not amount else None,
                installment_amount=amount or None,
                down_payment=params.get("down_payment") or 0,
                interval_days=params.get("interval_days"),
                annual_rate=params.get("interest_rate") or 0,
                fee=params.get("fee_amount") or 0,
                start_date=min(start, first_date) if first_date else start,
                rounding=str(currency.rounding),
            )
        except payment_schedule.ScheduleError as error:
            raise UserError(self._credit_schedule_error(error)) from error

    # ------------------------------------------------------------------
    # Checks shared with the wizard and the portal
    # ------------------------------------------------------------------

    def _credit_check_invoices(self, moves, partner=None, company=None):
        """Raise a clear error unless ``moves`` are open customer invoices of
        one customer, one company and one currency, in no other plan."""
        partner = (partner or self.partner_id).commercial_partner_id
        company = company or self.company_id
        if not moves:
            raise ValidationError(
                self.env._("A payment plan needs at least one invoice.")
            )
        not_open = moves.filtered(
            lambda m: m.state != "posted"
            or m.move_type not in CUSTOMER_INVOICE_TYPES
            or m.payment_state not in OPEN_PAYMENT_STATES
        )
        if not_open:
            raise ValidationError(
                self.env._(
                    "Only open customer invoices can go into a payment plan: "
                    "%(invoices)s.",
                    invoices=", ".join(not_open.mapped("display_name")),
                )
            )
        foreign = moves.filtered(lambda m: m.commercial_partner_id != partner)
        if foreign:
            raise ValidationError(
                self.env._(
                    "Invoices %(invoices)s are not invoices of %(partner)s.",
                    invoices=", ".join(foreign.mapped("display_name")),
                    partner=partner.display_name,
                )
            )
        other_company = moves.filtered(lambda m: m.company_id != company)
        if other_company:
            raise ValidationError(
                self.env._(
                    "Invoices %(invoices)s belong to another company than "
                    "%(company)s.",
                    invoices=", ".join(other_company.mapped("display_name")),
                    company=company.name,
                )
            )
        if len(moves.currency_id) > 1:
            raise ValidationError(
                self.env._(
                    "All the invoices of a payment plan must be in the same currency."
                )
            )
        others = (
            self.sudo()
            .search(
                [
                    ("move_ids", "in", moves.ids),
                    ("state", "in", OPEN_PLAN_STATES),
                    ("id", "not in", self.ids),
                ]
            )
            .with_env(self.env)
        )
        if others:
            planned = moves & others.sudo().move_ids
            raise ValidationError(
                self.env._(
                    "Invoices %(invoices)s are already in payment plan %(plan)s.",
                    invoices=", ".join(planned.mapped("display_name")),
                    plan=", ".join(others.sudo().mapped("name")),
                )
            )

    @api.model
    def _credit_max_installments(self, partner, company):
        """Largest number of installments the customer's risk grade allows in
        ``company`` (without grade, the company's limit): always finite, 0
        means that every plan needs a Credit Manager."""
        grade = (
            partner.commercial_partner_id.with_company(company)
            .sudo()
            .credit_risk_grade_id
        )
        if grade:
            return grade.max_plan_installments
        return company.sudo().credit_plan_ungraded_max_installments

    @api.model
    def _credit_portal_max_installments(self, partner, company):
        """What a customer may ask for by themselves: the grade's limit and
        at most the company's portal limit."""
        return min(
            self._credit_max_installments(partner, company),
            company.sudo().credit_plan_portal_max_installments,
        )

    @api.model
    def _credit_review_reasons(self, partner, invoices, company):
        """Why a plan requested on the portal must wait for a collector: the
        customer is at the agency or legal stage, on credit hold, or some of
        the invoices are disputed."""
        customer = partner.commercial_partner_id.with_company(company).sudo()
        reasons = []
        if customer.credit_escalation_stage in REVIEW_STAGES:
            reasons.append(self.env._("the account is with collection or legal"))
        if customer.credit_hold:
            reasons.append(self.env._("the customer is on credit hold"))
        disputed = (
            self.env["credit.dispute"]
            .sudo()
            .search([("move_id", "in", invoices.ids), ("state", "=", "open")])
        )
        if disputed:
            reasons.append(
                self.env._(
                    "invoices %(invoices)s are disputed",
                    invoices=", ".join(disputed.move_id.mapped("name")),
                )
            )
        return reasons

    @api.model
    def _credit_check_grade_limit(self, partner, company, count):
        """Over the grade's limit, only a Credit Manager may go on. Returns
        True when the limit is exceeded (and allowed)."""
        maximum = self._credit_max_installments(partner, company)
        if count <= maximum:
            return False
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise AccessError(
                self.env._(
                    "The risk grade of %(partner)s allows at most %(maximum)s "
                    "installments; %(count)s need the approval of a Credit Manager.",
                    partner=partner.commercial_partner_id.display_name,
                    maximum=maximum,
                    count=count,
                )
            )
        return True

    @api.model
    def _credit_schedule_error(self, error):
        """A translated message for a calculator error."""
        messages = {
            "count": self.env._("The number of installments must be at least 1."),
            "count_or_amount": self.env._(
                "Give either a number of installments or an installment amount."
            ),
            "amount": self.env._("The installment amount must be positive."),
            "frequency": self.env._("Unknown frequency."),
            "interval": self.env._("The days between installments must be at least 1."),
            "principal": self.env._("There is nothing left to pay on these invoices."),
            "first_date": self.env._("Give the first due date."),
            "first_date_past": self.env._(
                "The first due date cannot be before the date of the plan."
            ),
            "down_payment_negative": self.env._("The down payment cannot be negative."),
            "down_payment_too_high": self.env._(
                "The down payment must be lower than what the invoices owe."
            ),
            "rate": self.env._("The interest rate cannot be negative."),
            "fee": self.env._("The fee cannot be negative."),
            "too_many": self.env._(
                "A payment plan cannot have more than %(maximum)s installments.",
                maximum=payment_schedule.MAX_INSTALLMENTS,
            ),
            "too_small": self.env._(
                "The amount is too small for that many installments."
            ),
        }
        return messages.get(error.code, str(error))
