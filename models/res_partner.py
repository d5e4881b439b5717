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
    credit_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        company_dependent=True,
        readonly=True,
        help="Highest level reached on the customer's open invoices.",
    )
    credit_paused_until = fields.Date(
        string="Dunning Paused Until",
        company_dependent=True,
        help="No reminder is sent to this customer until this date included.",
    )
    credit_excluded = fields.Boolean(
        string="Excluded from Dunning",
        company_dependent=True,
        help="This customer never receives automatic reminders.",
    )
    credit_escalation_stage = fields.Selection(
        [
            ("amicable", "Amicable"),
            ("agency", "Collection agency"),
            ("legal", "Legal action"),
        ],
        string="Collection Stage",
        company_dependent=True,
    )
    credit_notice_ids = fields.One2many(
        "credit.notice", "partner_id", string="Dunning Notices", readonly=True
    )
    credit_notice_count = fields.Integer(compute="_compute_credit_counts")
    credit_promise_count = fields.Integer(compute="_compute_credit_counts")
    credit_dispute_count = fields.Integer(compute="_compute_credit_counts")

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

    def _compute_credit_counts(self):
        def count(model):
            return dict(
                self.env[model]._read_group(
                    [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
                )
            )

        notices = count("credit.notice")
        promises = count("credit.promise")
        disputes = count("credit.dispute")
        for partner in self:
            partner.credit_notice_count = notices.get(partner, 0)
            partner.credit_promise_count = promises.get(partner, 0)
            partner.credit_dispute_count = disputes.get(partner, 0)

    def action_credit_view_notices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_notice_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_credit_view_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_promise_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_credit_view_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_dispute_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        return action

    def _credit_grade_scenario(self):
        """The dunning scenario of the customer's risk grade, if any."""
        self.ensure_one()
        return self.env["credit.dunning.scenario"]

    def _credit_resolve_scenarios(self, company):
        """Scenario of each customer in ``company``: its own, else its risk
        grade's, else one matching its tags, else the company default.
        Returns a dict partner id -> scenario (possibly empty)."""
        partners = self.with_company(company)
        tagged_scenarios = self.env["credit.dunning.scenario"].search(
            [
                ("partner_category_ids", "!=", False),
                ("company_id", "in", [company.id, False]),
            ]
        )
        default = company.credit_default_scenario_id
        result = {}
        for partner in partners:
            scenario = partner.credit_scenario_id or partner._credit_grade_scenario()
            if not scenario and partner.category_id:
                scenario = tagged_scenarios.filtered(
                    lambda s, tags=partner.category_id: s.partner_category_ids & tags
                )[:1]
            result[partner.id] = scenario or default
        return result

    def _credit_contact(self):
        """Who receives reminders: the invoicing address of the customer,
        else the customer itself."""
        self.ensure_one()
        invoice_contacts = self.child_ids.filtered(
            lambda child: child.type == "invoice" and child.email
        )
        return invoice_contacts[:1] or self

    def _credit_collector(self, fallback_user=None):
        """Who calls the customer: its collector, else its salesperson, else
        the given user, else the company's fallback user."""
        self.ensure_one()
        return (
            self.credit_collector_id
            or self.user_id
            or fallback_user
            or self.env.company.credit_fallback_user_id
            or self.env.user
        )

    def _credit_reset_level_if_nothing_due(self):
        """Customers of the current company with nothing overdue go back to no
        level, so that their next late invoice starts from the first step."""
        company = self.env.company
        today = fields.Date.context_today(self)
        still_due = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", self.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", today),
                ("move_id.payment_state", "in", ("not_paid", "partial")),
            ],
            ["partner_id"],
        )
        due_partners = self.browse()
        for (partner,) in still_due:
            due_partners |= partner.commercial_partner_id
        (self - due_partners).filtered("credit_level_id").credit_level_id = False

    def _credit_get_debtor_type(self):
        """'business' or 'consumer', read on the commercial partner."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if partner.credit_debtor_type in ("business", "consumer"):
            return partner.credit_debtor_type
        return "business" if partner.is_company else "consumer"
