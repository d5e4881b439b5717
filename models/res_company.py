from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import ACCOUNT_IN_USE_DOMAIN
from ..tools.risk_scoring import ScoringParams

# Usual accounts of the charges in the French chart (PCG): 7638 "revenus des
# autres créances" for interest, 758 "produits divers de gestion courante"
# for indemnities and fees.
CHART_CHARGE_ACCOUNT_PREFIXES = {"interest": "7638", "fee": "758"}


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_forecast_backtest = fields.Json(
        string="Forecast Backtest",
        readonly=True,
        groups="base.group_user",
        help="The cash-in forecast's backtest, replayed by the nightly "
        "expected-dates job (credit.payment.forecast._credit_store_backtest): "
        "too costly on a large ledger to replay at each dashboard load.",
    )
    credit_default_scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Default Dunning Scenario",
        domain="['|', ('company_id', '=', False), ('company_id', '=', id)]",
        help="Scenario used for customers that have none of their own.",
    )
    credit_fallback_user_id = fields.Many2one(
        "res.users",
        string="Collections User",
        domain="[('share', '=', False), ('id', '!=', 1)]",
        help="Signs the letters and makes the calls of customers without "
        "collector or salesperson. Without one, those notices wait for "
        "validation.",
    )
    credit_expected_computed_on = fields.Date(
        string="Expected Payments Computed On",
        readonly=True,
        help="Day of the last computation of the open invoices' expected "
        "payment dates: their explanations count the days overdue from it.",
    )
    credit_rates_reminded_on = fields.Date(
        readonly=True,
        help="Half-year for which the Credit Managers were last told that "
        "reference rates are missing (one to-do per half-year).",
    )
    credit_share_capital = fields.Monetary(
        string="Share Capital",
        currency_field="currency_id",
        help="Printed with the SIREN and VAT number on the letterhead of "
        "dunning letters (Code de commerce R123-238).",
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

    # Credit limits, risk grades and blocking
    credit_block_mode = fields.Selection(
        [("warn", "Warn"), ("block", "Block")],
        string="Credit Check",
        default="warn",
        required=True,
        help="What happens when a sale order is confirmed or an invoice posted "
        "for a customer on credit hold or over its credit limit: a logged "
        "warning, or a block that only a Credit Manager can override.",
    )
    credit_risk_weight_days_late = fields.Float(
        string="Weight: Days Beyond Terms", default=30.0
    )
    credit_risk_weight_trend = fields.Float(string="Weight: Trend", default=10.0)
    credit_risk_weight_late_share = fields.Float(
        string="Weight: Share Paid Late", default=20.0
    )
    credit_risk_weight_overdue_ratio = fields.Float(
        string="Weight: Overdue Share", default=15.0
    )
    credit_risk_weight_limit_usage = fields.Float(
        string="Weight: Exposure vs Limit", default=10.0
    )
    credit_risk_weight_relationship_age = fields.Float(
        string="Weight: Relationship Age", default=5.0
    )
    credit_risk_weight_broken_promises = fields.Float(
        string="Weight: Broken Promises", default=5.0
    )
    credit_risk_weight_open_disputes = fields.Float(
        string="Weight: Open Disputes", default=5.0
    )
    credit_risk_days_late_full = fields.Integer(
        string="Days Late for Full Penalty",
        default=60,
        help="Average days beyond terms at which the factor takes its whole weight.",
    )
    credit_risk_trend_tolerance = fields.Integer(
        string="Trend Tolerance (Days)",
        default=5,
        help="Change of the average delay, recent vs older invoices, below which "
        "the trend is stable.",
    )
    credit_risk_age_full_months = fields.Integer(
        string="Established Customer After (Months)",
        default=24,
        help="Customers younger than this lose points for a short relationship.",
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

    @api.constrains("credit_fallback_user_id")
    def _check_credit_fallback_user_id(self):
        for company in self:
            user = company.credit_fallback_user_id
            if user and not user._credit_is_person():
                raise ValidationError(
                    self.env._(
                        "The collections user of %(company)s signs letters and "
                        "makes calls: choose an active internal user, not "
                        "%(user)s.",
                        company=company.name,
                        user=user.name,
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

    def _credit_scoring_params(self):
        """Scoring weights and thresholds of this company for the calculator."""
        self.ensure_one()
        return ScoringParams(
            weight_days_late=self.credit_risk_weight_days_late,
            weight_trend=self.credit_risk_weight_trend,
            weight_late_share=self.credit_risk_weight_late_share,
            weight_overdue_ratio=self.credit_risk_weight_overdue_ratio,
            weight_limit_usage=self.credit_risk_weight_limit_usage,
            weight_relationship_age=self.credit_risk_weight_relationship_age,
            weight_broken_promises=self.credit_risk_weight_broken_promises,
            weight_open_disputes=self.credit_risk_weight_open_disputes,
            days_late_full=self.credit_risk_days_late_full,
            trend_tolerance=self.credit_risk_trend_tolerance,
            age_full_months=self.credit_risk_age_full_months,
        )

    # Income accounts of what the module invoices: not sales of goods.
    credit_interest_account_id = fields.Many2one(
        "account.account",
        string="Interest Income Account",
        check_company=True,
        help="Late interest and payment plan interest. Empty: the chart's "
        "financial income account (7638 in the French chart), else any other "
        "income account.",
    )
    credit_fee_account_id = fields.Many2one(
        "account.account",
        string="Fee Income Account",
        check_company=True,
        help="Recovery indemnities and payment plan fees. Empty: the chart's "
        "other operating income account (758 in the French chart), else any "
        "other income account.",
    )

    def _credit_charge_account(self, kind):
        """Income account of the charges invoiced by the module, ``kind``
        "interest" or "fee": the company's setting, else the chart's usual
        account, else an other-income account (empty: the product's)."""
        self.ensure_one()
        account = (
            self.credit_interest_account_id
            if kind == "interest"
            else self.credit_fee_account_id
        )
        if account:
            return account
        Account = self.env["account.account"].with_company(self)
        domain = [*Account._check_company_domain(self), *ACCOUNT_IN_USE_DOMAIN]
        prefix = CHART_CHARGE_ACCOUNT_PREFIXES[kind]
        return Account.search(
            [*domain, ("code", "=like", f"{prefix}%")], order="code", limit=1
        ) or Account.search(
            [*domain, ("account_type", "=", "income_other")], order="code", limit=1
        )

    # Payment plans
    credit_plan_grace_days = fields.Integer(
        string="Payment Plan Grace Period (days)",
        default=10,
        help="Days an installment may stay unpaid after its due date before "
        "the payment plan is broken and reminders resume.",
    )

    @api.constrains("credit_plan_grace_days")
    def _check_credit_plan_grace_days(self):
        for company in self:
            if company.credit_plan_grace_days < 0:
                raise ValidationError(
                    self.env._("The payment plan grace period cannot be negative.")
                )

    # Collection analytics: unit costs of the cost of collection
    credit_cost_email = fields.Monetary(
        string="Cost per Email",
        currency_field="currency_id",
        help="What one reminder email costs the company (time, tools).",
    )
    credit_cost_letter = fields.Monetary(
        string="Cost per Letter",
        currency_field="currency_id",
        help="Printing and postage of one letter (registered letters included).",
    )
    credit_cost_call = fields.Monetary(
        string="Cost per Call",
        currency_field="currency_id",
        help="A collector's time for one reminder call.",
    )
    credit_cost_sms = fields.Monetary(
        string="Cost per SMS", currency_field="currency_id"
    )
    credit_cost_agency = fields.Monetary(
        string="Cost per Agency Hand-off",
        currency_field="currency_id",
        help="Fixed cost of handing one customer over to a collection agency.",
    )
    credit_cost_legal = fields.Monetary(
        string="Cost per Legal Action",
        currency_field="currency_id",
        help="Fixed cost of starting legal action against one customer.",
    )

    @api.constrains(
        "credit_cost_email",
        "credit_cost_letter",
        "credit_cost_call",
        "credit_cost_sms",
        "credit_cost_agency",
        "credit_cost_legal",
    )
    def _check_credit_costs(self):
        for company in self:
            costs = (
                company.credit_cost_email,
                company.credit_cost_letter,
                company.credit_cost_call,
                company.credit_cost_sms,
                company.credit_cost_agency,
                company.credit_cost_legal,
            )
            if any(cost < 0 for cost in costs):
                raise ValidationError(
                    self.env._("The costs of collection cannot be negative.")
                )

    # Customer portal
    credit_plan_portal_auto_approve = fields.Boolean(
        string="Auto-approve Portal Plan Requests",
        default=True,
        help="A payment plan a customer requests on the portal within the "
        "limits of their risk grade is activated at once; otherwise it waits "
        "for a collector's approval.",
    )
    credit_portal_max_days = fields.Integer(
        string="Portal Horizon (days)",
        default=60,
        help="Latest date, in days from today, a customer may promise to pay "
        "or start a payment plan on the portal.",
    )

    credit_plan_ungraded_max_installments = fields.Integer(
        string="Plan Installments without Grade",
        default=6,
        help="Largest number of installments of a payment plan for a customer "
        "without risk grade; more need a Credit Manager.",
    )
    credit_plan_portal_max_installments = fields.Integer(
        string="Portal Plan Installments",
        default=6,
        help="Largest number of installments a customer may ask for on the "
        "portal, whatever their grade allows.",
    )
    credit_portal_link_days = fields.Integer(
        string="Reminder Link Validity (days)",
        default=30,
        help="Days a reminder's link keeps opening once the reminder is paid "
        "or cancelled.",
    )

    @api.constrains("credit_portal_max_days")
    def _check_credit_portal_max_days(self):
        for company in self:
            if company.credit_portal_max_days < 1:
                raise ValidationError(
                    self.env._("The portal horizon must be at least one day.")
                )

    @api.constrains(
        "credit_plan_ungraded_max_installments",
        "credit_plan_portal_max_installments",
        "credit_portal_link_days",
    )
    def _check_credit_portal_limits(self):
        for company in self:
            if (
                min(
                    company.credit_plan_ungraded_max_installments,
                    company.credit_plan_portal_max_installments,
                    company.credit_portal_link_days,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Installment limits and the link validity cannot be negative."
                    )
                )

    def _credit_parse_portal_date(self, value, today):
        """A date a customer chose on the portal (promise, first installment):
        a valid date, not in the past, within the company's portal horizon.

        :raise UserError: naming what is wrong
        """
        self.ensure_one()
        try:
            day = fields.Date.to_date(value)
        except ValueError:
            day = None
        if not day:
            raise UserError(self.env._("Give a valid date."))
        if day < today:
            raise UserError(self.env._("The date cannot be in the past."))
        horizon = self.credit_portal_max_days
        if day > today + timedelta(days=horizon):
            raise UserError(
                self.env._(
                    "The date cannot be more than %(days)s days from today; for "
                    "a longer delay, please contact us.",
                    days=horizon,
                )
            )
        return day
