import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL

from ..compat import Constraint, notify_cron_progress
from ..tools import payment_schedule
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    SETTLED_PAYMENT_STATES,
)
from .credit_engine import EMAIL_LAYOUT, check_engine_fields

_logger = logging.getLogger(__name__)

OPEN_PLAN_STATES = ("draft", "active")
# What the customer agreed to and where the plan stands: set when the plan is
# made (_credit_create_plan) and by its actions, never written directly.
ENGINE_FIELDS = (
    "name",
    "company_id",
    "partner_id",
    "currency_id",
    "move_ids",
    "charge_move_id",
    "installment_ids",
    "state",
    "date",
    "first_date",
    "frequency",
    "interval_days",
    "installment_count",
    "amount_invoices",
    "down_payment",
    "interest_rate",
    "interest_amount",
    "fee_amount",
    "amount_total",
    "amount_paid",
    "amount_remaining",
    "progress",
    "residual_at_start",
    "next_due_date",
    "date_activated",
    "date_broken",
    "source",
    "exceeds_grade_limit",
)
# Why a plan asked for on the portal waits for a collector.
REVIEW_STAGES = ("agency", "legal")
FREQUENCY_SELECTION = [
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("days", "Every N Days"),
]


class CreditPaymentPlan(models.Model):
    """An agreed schedule over some invoices of one customer. While it is
    kept, dunning of those invoices waits; payments on them are allocated to
    the installments in order; a late installment past the grace period
    breaks the plan and dunning resumes."""

    _name = "credit.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "credit_payment_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Charges Invoice",
        readonly=True,
        copy=False,
        check_company=True,
        help="Invoice of the plan's interest and fee, issued when the plan "
        "is activated.",
    )
    installment_ids = fields.One2many(
        "credit.payment.plan.installment", "plan_id", string="Schedule", readonly=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("done", "Done"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    date = fields.Date(
        string="Plan Date",
        required=True,
        readonly=True,
        default=fields.Date.context_today,
        help="Date of the agreement; the down payment is due on it.",
    )
    first_date = fields.Date(string="First Due Date", required=True, readonly=True)
    frequency = fields.Selection(
        FREQUENCY_SELECTION, required=True, readonly=True, default="monthly"
    )
    interval_days = fields.Integer(string="Days Between Installments", readonly=True)
    installment_count = fields.Integer(
        string="Installments",
        readonly=True,
        help="Number of installments, down payment excluded.",
    )
    amount_invoices = fields.Monetary(
        string="Invoices Due",
        readonly=True,
        help="What the invoices still owed when the plan was made.",
    )
    down_payment = fields.Monetary(readonly=True)
    interest_rate = fields.Float(
        string="Interest Rate (%/year)", readonly=True, digits=(16, 4)
    )
    interest_amount = fields.Monetary(string="Interest", readonly=True)
    fee_amount = fields.Monetary(string="Fee", readonly=True)
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True
    )
    amount_paid = fields.Monetary(string="Paid", compute="_compute_amounts", store=True)
    amount_remaining = fields.Monetary(
        string="Remaining", compute="_compute_amounts", store=True
    )
    progress = fields.Float(compute="_compute_amounts", store=True, aggregator="avg")
    residual_at_start = fields.Monetary(
        readonly=True,
        copy=False,
        help="What the plan's invoices owed when it was activated; what they "
        "owe less since is what the customer paid under the plan.",
    )
    next_due_date = fields.Date(compute="_compute_amounts", store=True)
    date_activated = fields.Date(readonly=True, copy=False)
    date_broken = fields.Date(readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        groups="base.group_user",
    )
    source = fields.Selection(
        [("backend", "Collector"), ("portal", "Customer portal")],
        default="backend",
        required=True,
        readonly=True,
    )
    exceeds_grade_limit = fields.Boolean(
        readonly=True,
        copy=False,
        help="More installments than the customer's risk grade allows: a "
        "Credit Manager approved it.",
        groups="base.group_user",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        compute="_compute_contact_id",
        help="The customer's invoicing contact, who receives the plan.",
    )
    note = fields.Text(groups="base.group_user")

    _name_company_unique = Constraint(
        "unique(name, company_id)",
        "A payment plan number must be unique per company.",
    )

    @api.depends(
        "installment_ids.amount", "installment_ids.paid_amount", "installment_ids.state"
    )
    def _compute_amounts(self):
        for plan in self:
            installments = plan.installment_ids
            total = sum(installments.mapped("amount"))
            paid = sum(installments.mapped("paid_amount"))
            plan.amount_total = total
            plan.amount_paid = paid
            plan.amount_remaining = plan.currency_id.round(total - paid)
            plan.progress = 100.0 * paid / total if total else 0.0
            unpaid = installments.filtered(lambda i: i.state in ("open", "late"))
            plan.next_due_date = min(unpaid.mapped("date_due"), default=False)

    @api.depends("partner_id")
    def _compute_contact_id(self):
        for plan in self:
            plan.contact_id = (
                plan.partner_id._credit_contact() if plan.partner_id else False
            )

    @api.constrains("move_ids", "partner_id", "company_id", "state")
    def _check_moves(self):
        for plan in self.filtered(lambda p: p.state in OPEN_PLAN_STATES):
            plan._credit_check_invoices(plan.move_ids - plan.charge_move_id)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS)
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("credit.payment.plan")
                    or "/"
                )
        plans = super().create(vals_list)
        for plan in plans:
            plan.message_subscribe(partner_ids=plan.user_id.partner_id.ids)
        return plans

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancelled(self):
        if any(plan.state not in ("draft", "cancelled") for plan in self):
            raise UserError(
                self.env._("Only draft or cancelled payment plans can be deleted.")
            )

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

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_activate(self):
        """Approve the plan: issue the charges invoice, pause dunning of its
        invoices and send the customer the schedule."""
        self.check_access("write")
        today = fields.Date.context_today(self)
        for plan in self:
            if plan.state != "draft":
                raise UserError(
                    self.env._("Only a draft payment plan can be activated.")
                )
            plan._credit_check_invoices(plan.move_ids)
            plan._credit_check_schedule()
            first = plan.installment_ids.filtered(lambda i: not i.is_down_payment)[:1]
            if first.date_due < today:
                raise UserError(
                    self.env._(
                        "The first installment of %(plan)s was due on %(date)s: "
                        "cancel it and prepare a new schedule.",
                        plan=plan.name,
                        date=first.date_due,
                    )
                )
            residual = plan.currency_id.round(
                sum(plan.move_ids.mapped("amount_residual"))
            )
            if plan.currency_id.compare_amounts(residual, plan.amount_invoices):
                raise UserError(
                    self.env._(
                        "The invoices of %(plan)s now owe %(residual)s instead of "
                        "%(expected)s: cancel it and prepare a new schedule.",
                        plan=plan.name,
                        residual=plan.currency_id.format(residual),
                        expected=plan.currency_id.format(plan.amount_invoices),
                    )
                )
            exceeds = plan._credit_check_grade_limit(
                plan.partner_id, plan.company_id, plan.installment_count
            )
            plan._credit_create_charge_invoice()
            plan.sudo().write(
                {
                    "state": "active",
                    "date_activated": today,
                    "exceeds_grade_limit": exceeds or plan.exceeds_grade_limit,
                    "residual_at_start": plan.currency_id.round(
                        sum(plan.move_ids.mapped("amount_residual"))
                    ),
                }
            )
            plan.message_post(
                body=self.env._(
                    "Payment plan approved by %(user)s.", user=self.env.user.name
                )
            )
            for move in plan.move_ids:
                move.message_post(
                    body=self.env._(
                        "In payment plan %(plan)s: reminders paused while it is kept.",
                        plan=plan.name,
                    )
                )
            plan._credit_send_plan()
        self._credit_allocate()
        return True

    def action_cancel(self):
        """Cancel the plan: installments cancelled, pause lifted, the charges
        invoice reversed when nothing was paid on it."""
        self.check_access("write")
        for plan in self:
            if plan.state in ("done", "cancelled"):
                raise UserError(
                    self.env._(
                        "Payment plan %(plan)s is already closed.", plan=plan.name
                    )
                )
            charge = plan.charge_move_id
            if charge.state == "posted" and charge.payment_state == "not_paid":
                charge._reverse_moves(
                    [
                        {
                            "ref": self.env._(
                                "Cancellation of payment plan %(plan)s", plan=plan.name
                            )
                        }
                    ],
                    cancel=True,
                )
            elif charge.state == "draft":
                charge.button_cancel()
            plan.installment_ids.sudo().write({"state": "cancelled"})
            plan.sudo().write({"state": "cancelled"})
            plan.message_post(
                body=self.env._(
                    "Payment plan cancelled by %(user)s.", user=self.env.user.name
                )
            )
            plan.activity_unlink(["mail.mail_activity_data_todo"])
            for move in plan.move_ids - charge:
                move.message_post(
                    body=self.env._(
                        "Payment plan %(plan)s cancelled: reminders resume.",
                        plan=plan.name,
                    )
                )
        return True

    def action_send(self):
        self.ensure_one()
        if self.state != "active":
            raise UserError(self.env._("Only an active payment plan can be sent."))
        self._credit_send_plan()
        return True

    def action_view_invoices(self):
        self.ensure_one()
        return self.move_ids._get_records_action(name=self.env._("Invoices"))

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _credit_check_schedule(self):
        """The schedule is the one the plan was made with: as many
        installments as its count, adding up to what the invoices owe plus
        the charges, the down payment as agreed."""
        self.ensure_one()
        currency = self.currency_id
        rows = self.installment_ids
        down = rows.filtered("is_down_payment")
        expected = self.amount_invoices + self.interest_amount + self.fee_amount
        if (
            len(rows - down) != self.installment_count
            or len(down) > 1
            or currency.compare_amounts(sum(down.mapped("amount")), self.down_payment)
            or currency.compare_amounts(sum(rows.mapped("amount")), expected)
        ):
            raise UserError(
                self.env._(
                    "The schedule of %(plan)s does not match the plan: cancel it "
                    "and prepare a new one.",
                    plan=self.name,
                )
            )

    def _credit_create_charge_invoice(self):
        """Interest and fee are owed like an invoice: one posted invoice, part
        of the plan, so that the customer's payments can settle them."""
        self.ensure_one()
        charges = self.currency_id.round(self.interest_amount + self.fee_amount)
        if self.currency_id.is_zero(charges):
            return self.env["account.move"]
        product = self.env.ref("credit_collection.product_payment_plan_charges")
        lines = []
        for kind, label, amount in (
            (
                "interest",
                self.env._("Payment plan %(plan)s: interest", plan=self.name),
                self.interest_amount,
            ),
            (
                "fee",
                self.env._("Payment plan %(plan)s: fee", plan=self.name),
                self.fee_amount,
            ),
        ):
            if not self.currency_id.is_zero(amount):
                account = self.company_id._credit_charge_account(kind)
                lines.append(
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": label,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            **({"account_id": account.id} if account else {}),
                        }
                    )
                )
        last_date = max(self.installment_ids.mapped("date_due"))
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_date_due": last_date,
                    "invoice_origin": self.name,
                    "invoice_line_ids": lines,
                }
            )
        )
        move.action_post()
        self.sudo().write(
            {"charge_move_id": move.id, "move_ids": [Command.link(move.id)]}
        )
        return move

    def _credit_send_plan(self):
        """Email the schedule (with its PDF) to the customer's invoicing
        contact."""
        template = self.env.ref(
            "credit_collection.mail_template_payment_plan", raise_if_not_found=False
        )
        for plan in self:
            contact = plan.contact_id
            if not template or not contact.email:
                plan.message_post(
                    body=self.env._(
                        "The plan could not be emailed: %(partner)s has no email "
                        "address. Print it and send it by post.",
                        partner=contact.display_name,
                    )
                )
                continue
            template.send_mail(
                plan.id,
                force_send=False,
                email_layout_xmlid=EMAIL_LAYOUT,
            )
            plan.message_post(
                body=self.env._(
                    "Payment plan emailed to %(recipient)s (%(email)s).",
                    recipient=contact.display_name,
                    email=contact.email,
                )
            )

    def _credit_allocate(self, today=None):
        """What the invoices owe less than at activation is what the customer
        paid under the plan: spread it over the installments, oldest first,
        and close the plans fully paid."""
        today = today or fields.Date.context_today(self)
        plans = self.filtered(lambda p: p.state in ("active", "broken"))
        plans.move_ids.invalidate_recordset(["amount_residual", "payment_state"])
        done = self.browse()
        for plan in plans:
            currency = plan.currency_id
            residual = sum(plan.move_ids.mapped("amount_residual"))
            paid = currency.round(plan.residual_at_start - residual)
            installments = plan.installment_ids.sorted(lambda i: (i.sequence, i.id))
            parts = payment_schedule.allocate(
                installments.mapped("amount"), paid, str(currency.rounding)
            )
            for installment, part in zip(installments, parts, strict=True):
                part = float(part)
                if currency.compare_amounts(part, installment.amount) >= 0:
                    state = "paid"
                elif installment.date_due < today:
                    state = "late"
                else:
                    state = "open"
                if (
                    currency.compare_amounts(part, installment.paid_amount)
                    or state != installment.state
                ):
                    installment.sudo().write({"paid_amount": part, "state": state})
            all_paid = all(
                move.payment_state in SETTLED_PAYMENT_STATES for move in plan.move_ids
            )
            if plan.state == "active" and (
                all_paid or all(i.state == "paid" for i in installments)
            ):
                done |= plan
        for plan in done:
            plan.sudo().state = "done"
            plan.activity_unlink(["mail.mail_activity_data_todo"])
            plan.message_post(body=self.env._("All installments are paid."))
        return done

    def _credit_break(self, today):
        """The customer did not keep the plan: reminders resume, the
        collector is told."""
        for plan in self:
            late = plan.installment_ids.filtered(lambda i: i.state == "late")[:1]
            plan.sudo().write({"state": "broken", "date_broken": today})
            summary = self.env._(
                "Broken payment plan %(plan)s: %(partner)s did not pay the "
                "installment of %(amount)s due on %(date)s",
                plan=plan.name,
                partner=plan.partner_id.display_name,
                amount=plan.currency_id.format(late.amount - late.paid_amount),
                date=late.date_due,
            )
            plan.message_post(body=summary)
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today,
                summary=summary,
                user_id=plan.partner_id.with_company(plan.company_id)
                ._credit_collector(plan.user_id)
                .id,
            )
            for move in plan.move_ids - plan.charge_move_id:
                move.message_post(
                    body=self.env._(
                        "Payment plan %(plan)s broken: reminders resume.",
                        plan=plan.name,
                    )
                )

    @api.model
    def _credit_plans_to_check_query(self, today, after_id=0, limit=None):
        """Active plans with an installment to mark late (due before today
        and open) or late beyond its company's grace period."""
        return SQL(
            """
            SELECT DISTINCT plan.id
              FROM credit_payment_plan plan
              JOIN res_company company ON company.id = plan.company_id
              JOIN credit_payment_plan_installment inst ON inst.plan_id = plan.id
             WHERE plan.state = 'active'
               AND plan.id > %(after)s
               AND ((inst.state = 'open' AND inst.date_due < %(today)s)
                    OR (inst.state = 'late'
                        AND inst.date_due
                            + COALESCE(company.credit_plan_grace_days, 0)
                            < %(today)s))
             ORDER BY plan.id
             %(limit)s
            """,
            today=today,
            after=after_id,
            limit=SQL("LIMIT %s", limit) if limit else SQL(),
        )

    @api.model
    def _credit_check_plans(self, today, limit=None):
        """Mark late installments and break the plans late beyond the grace
        period. Returns (plans handled, plans left)."""
        self.env.flush_all()
        ids = [
            row[0]
            for row in self.env.execute_query(
                self._credit_plans_to_check_query(today, limit=limit)
            )
        ]
        plans = self.browse(ids)
        plans._credit_allocate(today)
        to_break = plans.filtered(
            lambda p: p.state == "active"
            and any(
                i.state == "late"
                and i.date_due + timedelta(days=p.company_id.credit_plan_grace_days)
                < today
                for i in p.installment_ids
            )
        )
        to_break._credit_break(today)
        self.env.flush_all()
        remaining = len(
            self.env.execute_query(self._credit_plans_to_check_query(today))
        )
        return len(plans), remaining

    @api.model
    def _cron_check_payment_plans(self):
        """Daily: one bounded batch per call; the cron framework commits and
        calls again while work remains."""
        self = self.sudo()
        batch = int(
            self.env["ir.config_parameter"].get_param(
                "credit_collection.plan_batch_size", 500
            )
        )
        done, remaining = self._credit_check_plans(
            fields.Date.context_today(self), limit=batch
        )
        _logger.info("Payment plans checked: %s, left: %s", done, remaining)
        notify_cron_progress(self.env, done, remaining)
        return remaining
