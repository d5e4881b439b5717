from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..compat import Constraint
from .credit_engine import engine_allowed


class CreditPaymentPlanInstallment(models.Model):
    """One due date of a payment plan. Its paid amount is not entered: it is
    what the payments on the plan's invoices leave once the earlier
    installments are covered."""

    _name = "credit.payment.plan.installment"
    _description = "Payment Plan Installment"
    _order = "plan_id, sequence, id"
    _check_company_auto = True

    plan_id = fields.Many2one(
        "credit.payment.plan", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="plan_id.partner_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(string="No.", required=True, default=1)
    is_down_payment = fields.Boolean(string="Down Payment")
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(required=True)
    paid_amount = fields.Monetary(string="Paid", readonly=True, copy=False)
    amount_residual = fields.Monetary(
        string="Left to Pay", compute="_compute_amount_residual"
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("paid", "Paid"),
            ("late", "Late"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        readonly=True,
        index=True,
        copy=False,
    )

    _amount_positive = Constraint(
        "CHECK(amount > 0)",
        "An installment must have a positive amount.",
    )

    @api.depends("amount", "paid_amount")
    def _compute_amount_residual(self):
        for installment in self:
            installment.amount_residual = installment.currency_id.round(
                installment.amount - installment.paid_amount
            )

    @api.depends("plan_id.name", "sequence", "is_down_payment")
    def _compute_display_name(self):
        for installment in self:
            label = (
                self.env._("down payment")
                if installment.is_down_payment
                else self.env._("installment %(number)s", number=installment.sequence)
            )
            installment.display_name = f"{installment.plan_id.name or ''} {label}"

    def _credit_check_engine(self):
        """A schedule is made with its plan and followed by the payments:
        no installment is added, changed or removed by hand."""
        if not engine_allowed(self.env):
            raise AccessError(
                self.env._(
                    "The installments of a payment plan change only through the "
                    "plan's actions."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._credit_check_engine()
        return super().create(vals_list)

    def write(self, vals):
        self._credit_check_engine()
        return super().write(vals)

    def unlink(self):
        self._credit_check_engine()
        return super().unlink()
