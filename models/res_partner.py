from stdnum.eu import vat as eu_vat

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import siren
from .credit_engine import (
    CONTROLLER,
    CREDIT_FIGURES_GROUPS,
    check_engine_fields,
)

# Partner field -> key of the figures of ``credit.exposure._credit_figures``.
CREDIT_FIGURE_FIELDS = {
    "credit_exposure_receivable": "receivable",
    "credit_exposure_draft": "draft",
    "credit_exposure_order": "order",
    "credit_exposure": "exposure",
    "credit_overdue": "overdue",
    "credit_limit_effective": "limit",
    "credit_available": "available",
    "credit_over_limit": "over_limit",
    "credit_insurance_cover_amount": "cover",
    "credit_insured_amount": "insured",
    "credit_uninsured_amount": "uninsured",
}
# Set by the engine and the managers' wizards only (see credit_engine.py).
ENGINE_FIELDS = (
    "credit_risk_score",
    "credit_risk_grade_id",
    "credit_grade_override_id",
    "credit_grade_override_reason",
    "credit_grade_override_date_end",
    "credit_level_id",
    "credit_escalation_stage",
    "credit_case_file_attachment_id",
)


class ResPartner(models.Model):
    _name = "res.partner"
    # What collection asks of the customer is in res_partner_collection.py,
    # its risk score and grade in res_partner_risk.py, its expected payments
    # in res_partner_forecast.py, its credit insurance in
    # res_partner_insurance.py.
    _inherit = [
        "res.partner",
        "credit.partner.collection",
        "credit.partner.risk",
        "credit.partner.forecast",
        "credit.partner.insurance",
    ]

    # === FIELDS === #

    credit_collector_id = fields.Many2one(
        "res.users",
        company_dependent=True,
        domain="[('share', '=', False)]",
        help="Person in charge of collecting this customer's receivables.",
        groups=CONTROLLER,
    )
    credit_scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Dunning Scenario",
        company_dependent=True,
        domain="['|', ('company_id', '=', False), "
        "('company_id', '=', current_company_id)]",
        help="Overrides the scenario chosen by grade, tag or company default.",
        groups=CONTROLLER,
    )

    # Credit hold, per company.
    credit_hold = fields.Boolean(
        company_dependent=True,
        copy=False,
        tracking=True,
        help="Sale orders and invoices of a customer on hold are blocked or "
        "warned, depending on the company's credit check.",
        groups=CREDIT_FIGURES_GROUPS,
    )
    credit_hold_reason = fields.Char(
        string="Hold Reason",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=CREDIT_FIGURES_GROUPS,
    )
    credit_exposure_receivable = fields.Monetary(
        string="Open Receivables",
        compute="_compute_credit_exposure",
        help="Posted, unpaid receivables, net of unapplied payments and credit "
        "notes, in the company currency.",
        groups=CONTROLLER,
    )
    credit_exposure_draft = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_exposure",
        help="Draft customer invoices and credit notes not coming from a sale "
        "order (those are counted with the orders).",
        groups=CONTROLLER,
    )
    credit_exposure_order = fields.Monetary(
        string="Orders to Invoice",
        compute="_compute_credit_exposure",
        help="Confirmed sale orders not invoiced yet, taxes included.",
        groups=CONTROLLER,
    )
    credit_exposure = fields.Monetary(
        string="Exposure",
        compute="_compute_credit_exposure",
        groups=CONTROLLER,
    )
    credit_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_credit_exposure",
        groups=CONTROLLER,
    )
    credit_limit_effective = fields.Monetary(
        string="Applicable Limit",
        compute="_compute_credit_exposure",
        help="The customer's credit limit, capped by the maximum of its risk grade.",
        groups=CONTROLLER,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_exposure",
        groups=CONTROLLER,
    )
    credit_over_limit = fields.Boolean(
        string="Over Credit Limit",
        compute="_compute_credit_exposure",
        search="_search_credit_over_limit",
        groups=CONTROLLER,
    )
    credit_insurance_cover_amount = fields.Monetary(
        string="Granted Cover",
        compute="_compute_credit_exposure",
        help="The cover in force, in the company currency.",
        groups=CONTROLLER,
    )
    credit_insured_amount = fields.Monetary(
        string="Indemnifiable Exposure",
        compute="_compute_credit_exposure",
        help="What the insurer would pay of the exposure: the exposure up to "
        "the granted cover, times the policy's coverage.",
        groups=CONTROLLER,
    )
    credit_uninsured_amount = fields.Monetary(
        string="Uninsured Exposure",
        compute="_compute_credit_exposure",
        help="Exposure above the granted cover.",
        groups=CONTROLLER,
    )
    credit_insurance_cover_ids = fields.One2many(
        "credit.insurance.cover",
        "partner_id",
        string="Insurance Covers",
        groups=CONTROLLER,
    )
    credit_is_manager = fields.Boolean(compute="_compute_credit_is_manager")
    credit_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Highest level reached on the customer's open invoices.",
        groups=CONTROLLER,
    )
    credit_paused_until = fields.Date(
        string="Dunning Paused Until",
        company_dependent=True,
        help="No reminder is sent to this customer until this date included.",
        groups=CONTROLLER,
    )
    credit_excluded = fields.Boolean(
        string="Excluded from Dunning",
        company_dependent=True,
        help="This customer never receives automatic reminders.",
        groups=CONTROLLER,
    )
    credit_escalation_stage = fields.Selection(
        [
            ("amicable", "Amicable"),
            ("agency", "Collection agency"),
            ("legal", "Legal action"),
        ],
        string="Collection Stage",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Set by the dunning levels that hand the account over to an "
        "agency or to court.",
        groups=CONTROLLER,
    )
    credit_case_file_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Last Case File",
        company_dependent=True,
        readonly=True,
        help="The last collection case file generated for this customer "
        "(bound when generated, readable by credit controllers only).",
        groups=CONTROLLER,
    )
    credit_notice_ids = fields.One2many(
        "credit.notice",
        "partner_id",
        string="Dunning Notices",
        readonly=True,
        groups=CONTROLLER,
    )
    credit_notice_count = fields.Integer(
        compute="_compute_credit_counts", groups=CONTROLLER
    )
    credit_promise_count = fields.Integer(
        compute="_compute_credit_counts", groups=CONTROLLER
    )
    credit_dispute_count = fields.Integer(
        compute="_compute_credit_counts", groups=CONTROLLER
    )

    # Late interest: business or consumer debtor.
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

    credit_payment_plan_count = fields.Integer(
        compute="_compute_credit_payment_plan_count", groups=CONTROLLER
    )

    # === COMPUTE METHODS === #

    @api.depends_context("company")
    def _compute_credit_exposure(self):
        commercial = self.commercial_partner_id._origin
        figures = self.env["credit.exposure"]._credit_figures(
            commercial, self.env.company
        )
        for partner in self:
            values = figures.get(partner.commercial_partner_id._origin.id)
            values = values or dict.fromkeys(CREDIT_FIGURE_FIELDS.values(), 0.0)
            for name, key in CREDIT_FIGURE_FIELDS.items():
                partner[name] = values[key]

    def _search_credit_over_limit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Operation not supported."))
        candidates = self.search([("customer_rank", ">", 0), ("parent_id", "=", False)])
        over = candidates.filtered("credit_over_limit")
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", over.ids)]

    @api.depends_context("uid")
    def _compute_credit_is_manager(self):
        is_manager = self.env.user.has_group("credit_collection.group_credit_manager")
        for partner in self:
            partner.credit_is_manager = is_manager

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

    def _compute_credit_payment_plan_count(self):
        counts = dict(
            self.env["credit.payment.plan"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.credit_payment_plan_count = counts.get(
                partner.commercial_partner_id, 0
            )

    # === CONSTRAINT METHODS === #

    @api.constrains(
        lambda self: [
            name
            for name in ("vat", "company_registry", "siret")
            if name in self._fields
        ]
    )
    def _check_credit_identity_numbers(self):
        """SIREN / SIRET / VAT numbers on a customer's credit file must be
        real numbers (checksums verified with python-stdnum)."""
        for partner in self:
            vat = (partner.vat or "").replace(" ", "").upper()
            eu_prefix = vat[:2].isalpha() and vat[:2] in eu_vat.MEMBER_STATES | {"EL"}
            if eu_prefix and not eu_vat.is_valid(vat):
                raise ValidationError(
                    self.env._(
                        "The VAT number %(vat)s of %(partner)s is not valid.",
                        vat=partner.vat,
                        partner=partner.display_name,
                    )
                )
            if partner.country_id.code != "FR":
                continue
            siret = partner.siret if "siret" in partner._fields else False
            for number in filter(None, (siret, partner.company_registry)):
                if not siren.is_valid(number):
                    raise ValidationError(
                        self.env._(
                            "%(number)s is neither a valid SIREN (9 digits) nor a "
                            "valid SIRET (14 digits) number for %(partner)s.",
                            number=number,
                            partner=partner.display_name,
                        )
                    )

    @api.constrains("credit_hold", "credit_hold_reason")
    def _check_credit_hold_reason(self):
        for partner in self:
            if partner.credit_hold and not partner.credit_hold_reason:
                raise ValidationError(
                    self.env._(
                        "Give the reason why %(partner)s is put on credit hold.",
                        partner=partner.display_name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        if (
            {"credit_hold", "credit_hold_reason"} & vals.keys()
            and not self.env.su
            and not self.env.user.has_group("credit_collection.group_credit_manager")
        ):
            raise AccessError(
                self.env._("Only a Credit Manager can put a customer on credit hold.")
            )
        limits = {}
        if "credit_limit" in vals and not self.env.su:
            limits = {partner: partner.sudo().credit_limit for partner in self}
        result = super().write(vals)
        for partner, old_limit in limits.items():
            partner._credit_log_limit_change(old_limit)
        return result

    def _credit_log_limit_change(self, old_limit):
        """A credit limit changed by hand is in the customer's chatter, with
        the acting user as author."""
        new_limit = self.sudo().credit_limit
        currency = self.env.company.currency_id
        if currency.compare_amounts(old_limit or 0.0, new_limit or 0.0):
            self.sudo().message_post(
                body=self.env._(
                    "Credit limit changed from %(old)s to %(new)s by %(user)s "
                    "(%(company)s).",
                    old=currency.format(old_limit or 0.0),
                    new=currency.format(new_limit or 0.0),
                    user=self.env.user.name,
                    company=self.env.company.name,
                ),
                subtype_xmlid="mail.mt_note",
            )

    # === ACTION METHODS === #

    def action_credit_view_notices(self):
        return self._credit_action_of(
            "credit_collection.credit_notice_action",
            self,
            {"default_partner_id": self.id},
        )

    def action_credit_view_promises(self):
        return self._credit_action_of(
            "credit_collection.credit_promise_action",
            self,
            {"default_partner_id": self.id},
        )

    def action_credit_view_disputes(self):
        return self._credit_action_of("credit_collection.credit_dispute_action", self)

    def action_credit_view_payment_plans(self):
        return self._credit_action_of(
            "credit_collection.credit_payment_plan_action",
            self.commercial_partner_id,
            {},
        )

    def action_credit_new_payment_plan(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_payment_plan_wizard_action"
        )
        action["context"] = {
            "active_model": "res.partner",
            "active_id": self.id,
            "active_ids": self.ids,
        }
        return action

    # === BUSINESS METHODS === #

    def _credit_set_hold(self, reason):
        """Put these customers on credit hold in the current company."""
        if not reason:
            raise ValidationError(self.env._("A credit hold needs a reason."))
        partners = self.commercial_partner_id
        partners.sudo().write({"credit_hold": True, "credit_hold_reason": reason})
        return True

    def _credit_release_hold(self):
        """Release the credit hold of these customers in the current company."""
        partners = self.commercial_partner_id.filtered("credit_hold")
        partners.sudo().write({"credit_hold": False, "credit_hold_reason": False})
        return True

    # === TOOLING === #

    def _credit_action_of(self, xml_id, partner, context=None):
        """The window action ``xml_id`` on the records of ``partner``, with
        ``context`` instead of its own when given."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [("partner_id", "=", partner.id)]
        if context is not None:
            action["context"] = context
        return action

    @api.model
    def _credit_user_reads_figures(self):
        """Whether the current user may read customers' credit figures."""
        return self.env.user.has_groups(CREDIT_FIGURES_GROUPS)
