from odoo import fields, models

from .credit_engine import CONTROLLER


class CreditMoveInsurance(models.AbstractModel):
    """The invoice's credit insurance: its declaration status (read from
    ``credit.insurance.deadline``) and the day its credit manager was
    alerted (once per invoice). Inherited by account.move."""

    _name = "credit.move.insurance"
    _description = "Invoice: Credit Insurance"

    credit_insurance_alert_date = fields.Date(
        string="Insurance Alert Sent On",
        readonly=True,
        copy=False,
        help="The day the credit manager got the to-do to declare this "
        "invoice to the insurer: never twice.",
        groups=CONTROLLER,
    )
    credit_insurance_status = fields.Char(
        string="Credit Insurance",
        compute="_compute_credit_insurance_status",
        groups=CONTROLLER,
    )

    def _compute_credit_insurance_status(self):
        moves = self.filtered("id")
        status = self.env["credit.insurance.deadline"]._credit_status_by_move(moves)
        for move in self:
            move.credit_insurance_status = status.get(move.id, False)
