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
    amount_residual = fields.Monetary(
        string="Amount Due", help="In the notice's currency, the invoice's."
    )
    company_currency_id = fields.Many2one(
        related="notice_id.company_currency_id", string="Company Currency"
    )
    amount_residual_company = fields.Monetary(
        string="Amount Due in Company Currency",
        currency_field="company_currency_id",
        compute="_compute_amount_residual_company",
        store=True,
        readonly=False,
        help="As booked in the ledger (the daily run reads it there).",
    )
    move_currency_id = fields.Many2one("res.currency", string="Invoice Currency")
    amount_residual_currency = fields.Monetary(
        string="Amount Due in Invoice Currency", currency_field="move_currency_id"
    )

    @api.depends("amount_residual", "notice_id.currency_id", "notice_id.date")
    def _compute_amount_residual_company(self):
        """For notices made by hand; the daily run gives the booked amount."""
        for line in self:
            notice = line.notice_id
            company = notice.company_id
            line.amount_residual_company = notice.currency_id._convert(
                line.amount_residual,
                company.currency_id,
                company,
                notice.date or fields.Date.context_today(line),
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
