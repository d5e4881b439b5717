from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_default_scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Default Dunning Scenario",
        check_company=True,
        help="Scenario used for customers that have none of their own.",
    )
