from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..compat import Constraint


class CreditRiskGrade(models.Model):
    """A grade of the company's risk scale (A..E): the score band it covers and
    the credit policy that comes with it."""

    _name = "credit.risk.grade"
    _description = "Credit Risk Grade"
    _order = "sequence, min_score desc, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, size=4)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the grade between all companies. A company's "
        "own grades replace the shared ones for that company.",
    )
    min_score = fields.Integer(string="Minimum Score", required=True)
    max_score = fields.Integer(string="Maximum Score", required=True, default=100)
    color = fields.Integer(string="Colour")
    max_credit_limit = fields.Float(
        string="Maximum Credit Limit",
        help="Caps the credit limit of customers with this grade (in the "
        "company currency). Zero means no cap.",
    )
    prepayment_required = fields.Boolean(
        help="Sale orders of customers with this grade cannot be confirmed "
        "until they are paid."
    )
    max_plan_installments = fields.Integer(
        string="Maximum Plan Installments",
        help="Largest number of installments a payment plan may have; more "
        "need a Credit Manager. Zero: every plan needs a Credit Manager.",
    )
    scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Default Dunning Scenario",
        check_company=True,
    )
    description = fields.Text(translate=True)

    _score_band_valid = Constraint(
        "CHECK(min_score >= 0 AND max_score <= 100 AND min_score <= max_score)",
        "A score band must lie between 0 and 100, its minimum below its maximum.",
    )

    @api.constrains("min_score", "max_score", "company_id", "active")
    def _check_score_band_overlap(self):
        for grade in self.filtered("active"):
            overlapping = self.search_count(
                [
                    ("id", "!=", grade.id),
                    ("company_id", "=", grade.company_id.id),
                    ("min_score", "<=", grade.max_score),
                    ("max_score", ">=", grade.min_score),
                ]
            )
            if overlapping:
                raise ValidationError(
                    self.env._(
                        "The score band of grade %(grade)s overlaps another grade.",
                        grade=grade.display_name,
                    )
                )

    @api.model
    def _get_grade_map(self, company):
        """Grades that apply to ``company``: its own if it has any, else the
        shared ones. Returns a list of (min_score, max_score, grade)."""
        grades = self.search([("company_id", "=", company.id)])
        if not grades:
            grades = self.search([("company_id", "=", False)])
        return [(g.min_score, g.max_score, g) for g in grades]

    @api.model
    def _grade_for_score(self, grade_map, score):
        for min_score, max_score, grade in grade_map:
            if min_score <= score <= max_score:
                return grade
        return self.browse()
