from odoo import fields, models


class CreditNoticeEscalate(models.TransientModel):
    """A controller's explicit choice to send a notice at a later level of
    its scenario than the engine chose (the engine never skips a step)."""

    _name = "credit.notice.escalate"
    _description = "Escalate a Notice"

    notice_id = fields.Many2one("credit.notice", required=True, readonly=True)
    scenario_id = fields.Many2one(related="notice_id.scenario_id")
    current_level_id = fields.Many2one(
        related="notice_id.level_id", string="Current Level"
    )
    current_offset = fields.Integer(related="notice_id.level_id.days_offset")
    level_id = fields.Many2one(
        "credit.dunning.level",
        string="Escalate To",
        required=True,
        domain="[('scenario_id', '=', scenario_id), "
        "('days_offset', '>', current_offset)]",
    )
    reason = fields.Char(required=True)

    def action_escalate(self):
        self.ensure_one()
        self.notice_id._credit_escalate_to(self.level_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
