from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


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
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise AccessError(
                self.env._("Only a Credit Manager can change a risk grade.")
            )
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        old_grade = partner.credit_risk_grade_id
        partner.sudo().write(
            {
                "credit_grade_override_id": self.grade_id.id,
                "credit_grade_override_reason": self.reason,
                "credit_grade_override_date_end": self.date_end,
                "credit_risk_grade_id": self.grade_id.id,
            }
        )
        partner.sudo().message_post(
            body=self.env._(
                "Risk grade overridden from %(old)s to %(new)s until %(date)s "
                "by %(user)s (%(company)s): %(reason)s",
                old=old_grade.display_name or "-",
                new=self.grade_id.display_name,
                date=self.date_end,
                user=self.env.user.name,
                company=self.company_id.name,
                reason=self.reason,
            )
        )
        return {"type": "ir.actions.act_window_close"}
