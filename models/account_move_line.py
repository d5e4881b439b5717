from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        """A reconciliation is how a payment reaches an invoice: once it is
        complete, close what it settles (notices, disputes, promises)."""
        result = super()._reconcile_plan(reconciliation_plan)
        lines = self.browse()
        pending = list(reconciliation_plan)
        while pending:
            item = pending.pop()
            if isinstance(item, models.BaseModel):
                lines |= item
            else:
                pending.extend(item)
        # Only customer documents carry notices, promises, disputes or plans:
        # vendor bills and bank entries reconcile without any extra query.
        invoices = lines.move_id.filtered(
            lambda move: move.is_sale_document(include_receipts=True)
        )
        if invoices:
            invoices._credit_settle()
        return result
