from odoo import api, fields, models

# Keys sort in bucket order: the graph view groups in key order.
BUCKET_SELECTION = [
    ("0_not_due", "Not Due"),
    ("1_1_30", "1-30"),
    ("2_31_60", "31-60"),
    ("3_61_90", "61-90"),
    ("4_91_120", "91-120"),
    ("5_120_plus", "Older than 120"),
]


class CreditCollectionDashboardBucket(models.Model):
    """One aging bucket of a dashboard card: the bucket is a row, not a
    column, so that the aging chart is a plain bar chart grouped by bucket."""

    _name = "credit.collection.dashboard.bucket"
    _description = "Collection Dashboard Aging Bucket"
    _order = "dashboard_id, bucket"

    dashboard_id = fields.Many2one(
        "credit.collection.dashboard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    bucket = fields.Selection(
        BUCKET_SELECTION, string="Days Past Due", required=True, readonly=True
    )
    amount = fields.Monetary(readonly=True)

    @api.model
    def _credit_buckets(self):
        """The bucket keys, youngest first (the order of AGED_BUCKETS)."""
        return [key for key, _label in BUCKET_SELECTION]
