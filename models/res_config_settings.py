from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_default_scenario_id = fields.Many2one(
        related="company_id.credit_default_scenario_id", readonly=False
    )
