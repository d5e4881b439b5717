from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_collector_id = fields.Many2one(
        "res.users",
        string="Credit Collector",
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

    # ------------------------------------------------------------------
    # Late interest: business or consumer debtor
    # ------------------------------------------------------------------
    credit_debtor_type = fields.Selection(
        selection=[
            ("auto", "Automatic"),
            ("business", "Business"),
            ("consumer", "Consumer"),
        ],
        string="Debtor Type",
        default="auto",
        required=True,
        help="Decides the late interest and recovery indemnity rules. "
        "Automatic: a company is a business, an individual a consumer. "
        "Consumers owe interest only from the formal notice and never the "
        "fixed recovery indemnity.",
    )

    def _credit_get_debtor_type(self):
        """'business' or 'consumer', read on the commercial partner."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if partner.credit_debtor_type in ("business", "consumer"):
            return partner.credit_debtor_type
        return "business" if partner.is_company else "consumer"
