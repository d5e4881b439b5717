from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """A reconciliation is how a payment reaches an invoice: close what it
        settles (notices, disputes, promises) right away."""
        partials = super().create(vals_list)
        moves = (partials.debit_move_id | partials.credit_move_id).move_id
        moves._credit_settle()
        return partials
