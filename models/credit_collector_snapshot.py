from odoo import fields, models


class CreditCollectorSnapshot(models.Model):
    """One collector's figures in a monthly snapshot: the per-collector
    performance of the dashboard, grouped by collector."""

    _name = "credit.collector.snapshot"
    _description = "Collector Monthly Performance"
    _order = "date desc, amount_overdue desc"

    snapshot_id = fields.Many2one(
        "credit.collection.snapshot", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="Month End", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        readonly=True,
        help="Empty for the customers that have no collector.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    amount_receivable = fields.Monetary(string="Receivable", readonly=True)
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    amount_collected = fields.Monetary(string="Collected", readonly=True)
    notices_sent = fields.Integer(readonly=True)
    promises_kept = fields.Integer(readonly=True)
    promises_broken = fields.Integer(readonly=True)
