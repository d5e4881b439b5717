"""What follows an active payment plan: payments allocated to its installments,
late installments, and the break once late beyond the grace period."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import notify_cron_progress
from ..tools import payment_schedule
from ..tools.receivable import (
    SETTLED_PAYMENT_STATES,
)

_logger = logging.getLogger(__name__)


class CreditPaymentPlanFollowUp(models.AbstractModel):
    """Follow-up of ``credit.payment.plan`` (inherited by it)."""

    _name = "credit.payment.plan.follow.up"
    _description = "Payment Plan: Follow-up"

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

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
        done, remaining = self._credit_break_overdue_plans(
            fields.Date.context_today(self), limit=batch
        )
        _logger.info("Payment plans checked: %s, left: %s", done, remaining)
        notify_cron_progress(self.env, done, remaining)
        return remaining

    @api.model
    def _credit_break_overdue_plans(self, today, limit=None):
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

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

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
