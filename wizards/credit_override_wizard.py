from odoo import api, fields, models
from odoo.exceptions import UserError

CHECKED_MODELS = ("sale.order", "account.move")


class CreditOverrideWizard(models.TransientModel):
    """A Credit Manager approves a sale order or an invoice that the credit
    check blocked, with a reason logged on the document and the customer."""

    _name = "credit.override.wizard"
    _description = "Credit Override"

    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True
    )
    document_name = fields.Char(compute="_compute_document_name")
    message = fields.Text(string="Credit Problems", readonly=True)
    reason = fields.Char(required=True)

    @api.depends("res_model", "res_id")
    def _compute_document_name(self):
        for wizard in self:
            wizard.document_name = wizard._get_document().display_name

    def _get_document(self):
        self.ensure_one()
        if self.res_model not in CHECKED_MODELS:
            raise UserError(self.env._("This document has no credit check."))
        return self.env[self.res_model].browse(self.res_id).exists()

    def action_approve(self):
        self.ensure_one()
        document = self._get_document()
        if not document:
            raise UserError(self.env._("The document no longer exists."))
        document._credit_approve_and_confirm(self.reason)
        # The wizard is opened from the refusal's dialog, not from a button
        # of the document: reload the document so it shows its new state.
        return {"type": "ir.actions.client", "tag": "soft_reload"}
