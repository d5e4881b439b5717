from odoo import api, fields, models


class CreditNoticeLine(models.Model):
    """One invoice on a notice, as it stood on the notice's date."""

    _name = "credit.notice.line"
    _description = "Dunning Notice Line"
    _order = "notice_id, date_due, id"

    notice_id = fields.Many2one(
        "credit.notice", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="notice_id.company_id", store=True)
    currency_id = fields.Many2one(related="notice_id.currency_id")
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="restrict"
    )
    invoice_date = fields.Date(related="move_id.invoice_date")
    date_due = fields.Date(string="Due Date", required=True)
    days_overdue = fields.Integer()
    level_id = fields.Many2one(
        "credit.dunning.level",
        string="Invoice Level",
        help="Level this invoice had reached by itself on the notice's date.",
    )
    amount_total = fields.Monetary(string="Invoice Total")
    amount_residual = fields.Monetary(string="Amount Due")
    move_currency_id = fields.Many2one("res.currency", string="Invoice Currency")
    amount_residual_currency = fields.Monetary(
        string="Amount Due in Invoice Currency", currency_field="move_currency_id"
    )

    @api.model_create_multi
    def create(self, vals_list):
        notices = self.env["credit.notice"].browse(
            [vals["notice_id"] for vals in vals_list if vals.get("notice_id")]
        )
        notices._credit_check_lines_editable()
        return super().create(vals_list)

    def write(self, vals):
        self.notice_id._credit_check_lines_editable()
        if vals.get("notice_id"):
            self.notice_id.browse(vals["notice_id"])._credit_check_lines_editable()
        return super().write(vals)

    def unlink(self):
        self.notice_id._credit_check_lines_editable()
        return super().unlink()
