from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_default_scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Default Dunning Scenario",
        domain="['|', ('company_id', '=', False), ('company_id', '=', id)]",
        help="Scenario used for customers that have none of their own.",
    )

    @api.constrains("credit_default_scenario_id")
    def _check_credit_default_scenario_id(self):
        for company in self:
            scenario_company = company.credit_default_scenario_id.company_id
            if scenario_company and scenario_company != company:
                raise ValidationError(
                    self.env._(
                        "The default dunning scenario of %(company)s belongs to "
                        "%(other)s.",
                        company=company.name,
                        other=scenario_company.name,
                    )
                )
