from odoo import fields, models


class CreditPaymentTermsDisclosureInvoice(models.TransientModel):
    """One invoice behind the payment-terms disclosure, as its tables count
    it: the drill-down of each cell (pivot by side and bucket), filled by
    one INSERT ... SELECT of the query the figures sum."""

    _name = "credit.payment.terms.disclosure.invoice"
    _description = "Payment Terms Disclosure Invoice"
    _order = "side, days_late desc, id"

    wizard_id = fields.Many2one(
        "credit.payment.terms.disclosure",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    date_invoice = fields.Date(
        related="move_id.invoice_date", string="Invoice Date", readonly=True
    )
    partner_id = fields.Many2one("res.partner", readonly=True)
    side = fields.Selection(
        [("received", "Invoices received"), ("issued", "Invoices issued")],
        readonly=True,
    )
    date_due = fields.Date(string="Due Date", readonly=True)
    date_paid = fields.Date(string="Settled On", readonly=True)
    days_late = fields.Integer(readonly=True, aggregator="max")
    bucket = fields.Selection(
        [
            ("0", "0 days (indicative)"),
            ("1_30", "1 to 30 days"),
            ("31_60", "31 to 60 days"),
            ("61_90", "61 to 90 days"),
            ("91_plus", "91 days and more"),
        ],
        string="Delay",
        readonly=True,
    )
    excluded = fields.Boolean(
        string="Excluded (disputed)",
        readonly=True,
        help="Disputed invoice: counted in (B), not in (A).",
    )
    amount_total = fields.Monetary(string="Invoice Total (incl. VAT)", readonly=True)
    amount = fields.Monetary(
        string="Amount Counted (incl. VAT)",
        readonly=True,
        help="Unpaid at the closing date (I), or the invoice total (II).",
    )

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()
