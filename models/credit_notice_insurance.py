from odoo import api, fields, models


class CreditNotice(models.Model):
    """What the controller sees on a notice of an insured customer: where
    the declaration of each of its invoices to the insurer stands."""

    _inherit = "credit.notice"

    credit_insurance_status = fields.Text(
        string="Credit Insurance",
        compute="_compute_credit_insurance_status",
        groups="credit_collection.group_credit_controller",
    )

    @api.depends_context("lang")
    def _compute_credit_insurance_status(self):
        moves = self.line_ids.move_id
        status = self.env["credit.insurance.deadline"]._credit_status_by_move(moves)
        for notice in self:
            notice.credit_insurance_status = "\n".join(
                f"{move.name}: {status[move.id]}"
                for move in notice.line_ids.move_id
                if move.id in status
            )
