from odoo import api, fields, models
from odoo.tools import SQL, drop_view_if_exists

FACTOR_SELECTION = [
    ("days_late", "Days beyond terms"),
    ("trend", "Trend of delays"),
    ("late_share", "Invoices paid late"),
    ("overdue_ratio", "Overdue share of receivables"),
    ("limit_usage", "Exposure vs credit limit"),
    ("relationship_age", "Age of the relationship"),
    ("broken_promises", "Broken promises"),
    ("open_disputes", "Open disputes"),
]

# Row ids of the view: score id * FACTOR_ID_SPAN + the factor's position.
FACTOR_ID_SPAN = 100


class CreditRiskFactor(models.Model):
    """One factor of a risk score: its measured value, its weight and the
    points it took away, read as a sentence.

    A SQL view over the factors JSON of the scores (positions of
    ``tools.risk_scoring.FACTOR_KEYS``): the nightly recompute of tens of
    thousands of customers writes one row per customer instead of inserting
    and deleting eight factor rows each. The model keeps its first name,
    ``credit.risk.score.line`` (its access rules and translations are keyed
    by it)."""

    _name = "credit.risk.score.line"
    _description = "Credit Risk Score Factor"
    _auto = False
    _order = "points desc, id"
    _depends = {"credit.risk.score": ["factors", "company_id"]}

    score_id = fields.Many2one("credit.risk.score", readonly=True)
    partner_id = fields.Many2one(related="score_id.partner_id")
    company_id = fields.Many2one("res.company", readonly=True)
    code = fields.Selection(FACTOR_SELECTION, string="Factor", readonly=True)
    value = fields.Float(digits=(16, 2), readonly=True)
    weight = fields.Float(digits=(16, 2), readonly=True)
    points = fields.Float(
        string="Points Lost",
        digits=(16, 2),
        readonly=True,
        help="Points taken from 100.",
    )
    trend = fields.Selection(
        [
            ("improving", "improving"),
            ("stable", "stable"),
            ("worsening", "worsening"),
        ],
        readonly=True,
    )
    reason = fields.Char(compute="_compute_reason")

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %(view)s AS (
                SELECT score.id * %(span)s + factor.position AS id,
                       score.id AS score_id,
                       score.company_id,
                       factor.data ->> 0 AS code,
                       (factor.data ->> 1)::numeric AS value,
                       (factor.data ->> 2)::numeric AS weight,
                       (factor.data ->> 3)::numeric AS points,
                       factor.data ->> 4 AS trend
                  FROM credit_risk_score score
                 CROSS JOIN LATERAL jsonb_array_elements(
                       COALESCE(score.factors, '[]'::jsonb)
                       ) WITH ORDINALITY AS factor(data, position)
            )
                """,
                view=SQL.identifier(self._table),
                span=FACTOR_ID_SPAN,
            )
        )

    @api.depends_context("lang")
    @api.depends("code", "value", "trend")
    def _compute_reason(self):
        trends = dict(self._fields["trend"]._description_selection(self.env))
        for line in self:
            line.reason = line._get_reason(trends)

    def _get_reason(self, trends):
        value = self.value
        number = round(value)
        if self.code == "days_late":
            if not value:
                return self.env._("Pays on time")
            return self.env._(
                "Paid %(days)s days late on average, %(trend)s",
                days=number,
                trend=trends.get(self.trend or "stable"),
            )
        if self.code == "trend":
            if value > 0:
                return self.env._(
                    "Recent payments %(days)s days later than before", days=number
                )
            if value < 0:
                return self.env._(
                    "Recent payments %(days)s days earlier than before", days=-number
                )
            return self.env._("Payment delays are stable")
        if self.code == "late_share":
            return self.env._("%(percent)s%% of invoices paid late", percent=number)
        if self.code == "overdue_ratio":
            return self.env._(
                "%(percent)s%% of open receivables overdue", percent=number
            )
        if self.code == "limit_usage":
            if not value:
                return self.env._("No exposure against a credit limit")
            return self.env._(
                "Exposure at %(percent)s%% of the credit limit", percent=number
            )
        if self.code == "relationship_age":
            return self.env._("Customer for %(months)s months", months=number)
        if self.code == "broken_promises":
            return self.env._("%(count)s broken promises in 12 months", count=number)
        if self.code == "open_disputes":
            return self.env._("%(count)s open disputes", count=number)
        return ""
