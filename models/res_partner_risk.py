from odoo import api, fields, models
from odoo.exceptions import AccessError

from .credit_engine import CONTROLLER


class CreditPartnerRisk(models.AbstractModel):
    """The customer's risk in the current company: its score and grade, set
    by the risk engine (models/credit_risk_score.py), and the grade a Credit
    Manager imposes for a while. Inherited by res.partner."""

    _name = "credit.partner.risk"
    _description = "Customer: Risk Score and Grade"

    # === FIELDS === #

    credit_risk_score = fields.Integer(
        string="Risk Score",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="0 (worst) to 100 (best), from the customer's payment history.",
        groups=CONTROLLER,
    )
    credit_risk_grade_id = fields.Many2one(
        "credit.risk.grade",
        string="Risk Grade",
        company_dependent=True,
        copy=False,
        readonly=True,
        tracking=True,
        help="Grade of the score, or the manual override while it lasts.",
        groups=CONTROLLER,
    )
    credit_grade_override_id = fields.Many2one(
        "credit.risk.grade",
        string="Overriding Grade",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=CONTROLLER,
    )
    credit_grade_override_reason = fields.Char(
        string="Override Reason",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=CONTROLLER,
    )
    credit_grade_override_date_end = fields.Date(
        string="Override Until",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=CONTROLLER,
    )
    credit_risk_assessment_id = fields.Many2one(
        "credit.risk.score",
        string="Risk Assessment",
        compute="_compute_credit_risk_assessment",
        groups=CONTROLLER,
    )
    credit_risk_score_date = fields.Date(
        string="Score Computed On",
        compute="_compute_credit_risk_assessment",
        groups=CONTROLLER,
    )
    credit_risk_factor_ids = fields.Many2many(
        "credit.risk.score.line",
        string="Risk Factors",
        compute="_compute_credit_risk_assessment",
        groups=CONTROLLER,
    )
    credit_risk_summary = fields.Char(
        string="Main Risk Reasons",
        compute="_compute_credit_risk_assessment",
        groups=CONTROLLER,
    )
    # === COMPUTE METHODS === #

    @api.depends_context("company")
    def _compute_credit_risk_assessment(self):
        partners = self.commercial_partner_id.filtered("id")
        scores = self.env["credit.risk.score"].search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {score.partner_id.id: score for score in scores}
        for partner in self:
            score = by_partner.get(partner.commercial_partner_id.id, scores.browse())
            partner.credit_risk_assessment_id = score
            partner.credit_risk_score_date = score.date
            partner.credit_risk_factor_ids = score.factor_ids
            partner.credit_risk_summary = score.summary

    # === ACTION METHODS === #

    def action_credit_compute_risk(self):
        self.ensure_one()
        if not self.env.user.has_group(CONTROLLER):
            raise AccessError(
                self.env._("Only credit controllers can recompute a risk score.")
            )
        self.env["credit.risk.score"]._credit_compute_scores(self.commercial_partner_id)
        return True

    def action_credit_remove_grade_override(self):
        self.ensure_one()
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise AccessError(
                self.env._("Only a Credit Manager can change a risk grade.")
            )
        partner = self.commercial_partner_id
        partner.sudo().message_post(
            body=self.env._(
                "Risk grade override removed by %(user)s (%(company)s).",
                user=self.env.user.name,
                company=self.env.company.name,
            )
        )
        partner._credit_clear_grade_override()
        self.env["credit.risk.score"]._credit_compute_scores(partner)
        return True

    # === BUSINESS METHODS === #

    def _credit_set_grade_override(self, grade, reason, date_end):
        """Replace the computed risk grade of this customer in the current
        company by ``grade`` until ``date_end``, logged with ``reason``."""
        self.ensure_one()
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise AccessError(
                self.env._("Only a Credit Manager can change a risk grade.")
            )
        partner = self.commercial_partner_id
        old_grade = partner.credit_risk_grade_id
        partner.sudo().write(
            {
                "credit_grade_override_id": grade.id,
                "credit_grade_override_reason": reason,
                "credit_grade_override_date_end": date_end,
                "credit_risk_grade_id": grade.id,
            }
        )
        partner.sudo().message_post(
            body=self.env._(
                "Risk grade overridden from %(old)s to %(new)s until %(date)s "
                "by %(user)s (%(company)s): %(reason)s",
                old=old_grade.display_name or "-",
                new=grade.display_name,
                date=date_end,
                user=self.env.user.name,
                company=self.env.company.name,
                reason=reason,
            )
        )

    def _credit_expire_grade_overrides(self):
        """Drop the grade overrides of ``self`` that ended before today."""
        today = fields.Date.context_today(self)
        expired = self.filtered(
            lambda p: p.credit_grade_override_id
            and p.credit_grade_override_date_end
            and p.credit_grade_override_date_end < today
        )
        for partner in expired:
            partner.sudo().message_post(
                body=self.env._(
                    "The override of the risk grade to %(grade)s ended on %(date)s "
                    "(%(company)s).",
                    grade=partner.credit_grade_override_id.display_name,
                    date=partner.credit_grade_override_date_end,
                    company=self.env.company.name,
                )
            )
        expired._credit_clear_grade_override()
        return expired

    def _credit_clear_grade_override(self):
        self.sudo().write(
            {
                "credit_grade_override_id": False,
                "credit_grade_override_reason": False,
                "credit_grade_override_date_end": False,
            }
        )
