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
    credit_fallback_user_id = fields.Many2one(
        "res.users",
        string="Collection Fallback User",
        domain="[('share', '=', False)]",
        help="Gets the call tasks of customers without collector or salesperson.",
    )
    credit_payment_deadline_days = fields.Integer(
        string="Payment Deadline (days)",
        default=8,
        help="Days given to the customer to pay after a notice.",
    )
    credit_dunning_batch_size = fields.Integer(
        string="Dunning Batch Size",
        default=200,
        help="Customers processed per batch by the scheduled action; progress "
        "is committed after each batch.",
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

    @api.constrains("credit_payment_deadline_days", "credit_dunning_batch_size")
    def _check_credit_positive_settings(self):
        for company in self:
            if company.credit_payment_deadline_days < 0:
                raise ValidationError(
                    self.env._("The payment deadline cannot be negative.")
                )
            if company.credit_dunning_batch_size < 1:
                raise ValidationError(
                    self.env._("The dunning batch size must be at least 1.")
                )
