from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_collector_id = fields.Many2one(
        "res.users",
        company_dependent=True,
        domain="[('share', '=', False)]",
        help="Person in charge of collecting this customer's receivables.",
    )
    credit_scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Dunning Scenario",
        company_dependent=True,
        domain="['|', ('company_id', '=', False), "
        "('company_id', '=', current_company_id)]",
        help="Overrides the scenario chosen by grade, tag or company default.",
    )
