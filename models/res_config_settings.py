from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_default_scenario_id = fields.Many2one(
        related="company_id.credit_default_scenario_id", readonly=False
    )
    credit_fallback_user_id = fields.Many2one(
        related="company_id.credit_fallback_user_id", readonly=False
    )
    credit_payment_deadline_days = fields.Integer(
        related="company_id.credit_payment_deadline_days", readonly=False
    )
    credit_dunning_batch_size = fields.Integer(
        related="company_id.credit_dunning_batch_size", readonly=False
    )
