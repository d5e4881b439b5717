from odoo import api, fields, models

from ..compat import Constraint


class CreditRiskScore(models.Model):
    """The last risk score of one customer in one company, kept with the
    factors that explain it (one JSON list, shown as factor rows by the
    ``credit.risk.score.line`` view)."""

    _name = "credit.risk.score"
    _description = "Credit Risk Score"
    _order = "score, id"
    _check_company_auto = True
    _rec_name = "partner_id"
    # The engine's rows, rewritten every night for every customer: ``date``
    # says when; author and write stamps would only cost two foreign-key
    # checks per row.
    _log_access = False

    # Looked up through the unique (partner, company) index.
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="Computed On", required=True)
    score = fields.Integer(aggregator="avg")
    grade_id = fields.Many2one(
        "credit.risk.grade",
        string="Computed Grade",
        help="Grade that matches the score, before any manual override.",
    )
    exposure = fields.Monetary(
        string="Exposure at Computation", currency_field="currency_id"
    )
    factors = fields.Json(
        string="Factor Data",
        readonly=True,
        help="The factors of the score as computed: [code, value, weight, "
        "points taken, trend] for each.",
    )
    line_ids = fields.One2many(
        "credit.risk.score.line", "score_id", string="Factors", readonly=True
    )
    summary = fields.Char(compute="_compute_summary")

    _partner_company_unique = Constraint(
        "unique(partner_id, company_id)",
        "A customer has one risk score per company.",
    )

    @api.depends("line_ids.reason", "line_ids.points")
    def _compute_summary(self):
        for score in self:
            lines = score.line_ids.filtered("points").sorted("points", reverse=True)
            score.summary = "; ".join(lines[:3].mapped("reason"))
