from odoo import fields, models


class CreditDisputeWizard(models.TransientModel):
    """Open a dispute on an invoice from its form. A dialog on the dispute
    itself would create it (and pause the invoice's reminders) as soon as the
    page is left: Odoo saves a form on leaving. The dispute exists only once
    the controller clicks *Open Dispute*."""

    _name = "credit.dispute.wizard"
    _description = "Open a Dispute"

    move_id = fields.Many2one("account.move", string="Invoice", required=True)
    reason = fields.Selection(
        selection=lambda self: self.env["credit.dispute"]
        ._fields["reason"]
        ._description_selection(self.env),
        required=True,
        default="other",
    )
    description = fields.Text()
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user
    )

    def action_open_dispute(self):
        self.ensure_one()
        dispute = self.env["credit.dispute"].create(
            {
                "move_id": self.move_id.id,
                "reason": self.reason,
                "description": self.description,
                "user_id": self.user_id.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.dispute",
            "res_id": dispute.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
