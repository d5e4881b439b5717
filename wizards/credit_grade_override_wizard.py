from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditGradeOverrideWizard(models.TransientModel):
    """A Credit Manager replaces a customer's computed risk grade until a
    given date, with a reason; the override is logged in the chatter."""

    _name = "credit.grade.override.wizard"
    _description = "Risk Grade Override"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    current_grade_id = fields.Many2one(
        "credit.risk.grade", compute="_compute_current_grade_id"
    )
    grade_id = fields.Many2one("credit.risk.grade", string="New Grade", required=True)
    reason = fields.Char(required=True)
    date_end = fields.Date(string="Until", required=True)

    @api.depends("partner_id", "company_id")
    def _compute_current_grade_id(self):
        for wizard in self:
            partner = wizard.partner_id.with_company(wizard.company_id)
            wizard.current_grade_id = partner.credit_risk_grade_id

    @api.constrains("date_end")
    def _check_date_end(self):
        for wizard in self:
            if wizard.date_end < fields.Date.context_today(wizard):
                raise ValidationError(
                    self.env._("The end of a grade override cannot be in the past.")
                )

    def action_apply(self):
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        partner._credit_set_grade_override(self.grade_id, self.reason, self.date_end)
        return {"type": "ir.actions.act_window_close"}
