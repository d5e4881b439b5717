from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import late_interest, recovery_indemnity


class CreditDunningScenario(models.Model):
    """A collection policy: the ordered steps a customer goes through when it
    does not pay. Shared by all companies when no company is set."""

    _name = "credit.dunning.scenario"
    _description = "Dunning Scenario"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the scenario between all companies.",
    )
    description = fields.Text(translate=True)
    level_ids = fields.One2many(
        "credit.dunning.level", "scenario_id", string="Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_count")
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tags",
        help="Customers with one of these tags follow this scenario, unless "
        "their own record or their risk grade names another one.",
    )
    notice_grouping = fields.Selection(
        [
            ("customer", "One notice per customer"),
            ("invoice", "One notice per invoice"),
        ],
        default="customer",
        required=True,
        help="Per customer, one notice lists all the overdue invoices and its "
        "level follows the oldest one.",
    )
    minimum_amount = fields.Float(
        string="Tolerance",
        digits="Account",
        help="Nothing is sent while the amount due is below this amount, "
        "in the company currency.",
    )
    send_window = fields.Selection(
        [
            ("always", "Every day"),
            ("business_days", "Monday to Friday"),
            ("calendar", "Working days of the company calendar"),
        ],
        default="business_days",
        required=True,
        help="Days on which reminders of this scenario go out. With the "
        "company calendar, public holidays are skipped too.",
    )
    thank_you_template_id = fields.Many2one(
        "mail.template",
        string="Thank-you Email",
        domain="[('model', '=', 'credit.notice')]",
        help="Sent when the invoices of a notice are paid.",
    )

    # ------------------------------------------------------------------
    # Interest & fees (statutory late interest, fixed recovery indemnity)
    # ------------------------------------------------------------------
    interest_policy = fields.Selection(
        selection=[
            ("none", "No interest"),
            ("statutory", "Statutory: ECB + 10 points (L441-10) in France"),
            ("contractual", "Contractual rate (terms of sale)"),
        ],
        string="Late Interest",
        required=True,
        default="none",
        help="Statutory: the late-payment penalties set by the law of the "
        "jurisdiction. France: business customers owe the ECB main "
        "refinancing rate + 10 points from the day after the due date "
        "(Code de commerce L441-10), consumers the French legal interest "
        "rate (taux de l'intérêt légal) from the formal notice; Germany: "
        "base rate + 9 points (+ 5 with consumers); EU: ECB rate + 8 points. "
        "Contractual: the rate of your terms of sale (in France at least "
        "three times the legal interest rate).",
    )
    interest_jurisdiction = fields.Selection(
        selection=[
            ("FR", "France"),
            ("DE", "Germany"),
            ("EU", "EU default (Directive 2011/7/EU)"),
        ],
        string="Jurisdiction",
        required=True,
        default="FR",
    )
    interest_contractual_rate = fields.Float(
        string="Contractual Rate (%)",
        digits=(16, 4),
        help="Annual rate. In France it may not be lower than three times "
        "the legal interest rate (Code de commerce L441-10).",
    )
    apply_recovery_indemnity = fields.Boolean(
        string="Charge Recovery Indemnity",
        help="Fixed indemnity for recovery costs per late invoice, business "
        "customers only (Code de commerce L441-10 / D441-5: 40 EUR).",
    )
    recovery_indemnity_amount = fields.Monetary(
        string="Indemnity per Invoice",
        currency_field="recovery_indemnity_currency_id",
        compute="_compute_recovery_indemnity_amount",
        store=True,
        readonly=False,
        precompute=True,
    )
    recovery_indemnity_currency_id = fields.Many2one(
        "res.currency",
        string="Indemnity Currency",
        default=lambda self: self.env.ref("base.EUR", raise_if_not_found=False),
        help="The statutory amounts are in euros; invoices in another currency "
        "are charged the converted amount.",
    )

    @api.depends("interest_jurisdiction")
    def _compute_recovery_indemnity_amount(self):
        for scenario in self:
            scenario.recovery_indemnity_amount = float(
                recovery_indemnity.default_indemnity(scenario.interest_jurisdiction)
            )

    @api.constrains(
        "interest_policy", "interest_jurisdiction", "interest_contractual_rate"
    )
    def _check_interest_contractual_rate(self):
        for scenario in self.filtered(lambda s: s.interest_policy == "contractual"):
            if scenario.interest_contractual_rate <= 0:
                raise ValidationError(
                    self.env._(
                        "Scenario %(scenario)s: the contractual interest rate "
                        "must be positive.",
                        scenario=scenario.display_name,
                    )
                )
            if scenario.interest_jurisdiction != "FR":
                continue
            table = self.env["credit.interest.rate"]._get_rate_table(
                scenario.company_id or self.env.company
            )
            today = fields.Date.context_today(scenario)
            legal_rate = table.latest(late_interest.RATE_FR_LEGAL_OTHER, today)
            if legal_rate is None:
                continue
            try:
                late_interest.check_contractual_rate(
                    scenario.interest_contractual_rate, legal_rate
                )
            except late_interest.RateBelowFloorError as error:
                raise ValidationError(
                    self.env._(
                        "Scenario %(scenario)s: a contractual late interest rate "
                        "of %(rate)s%% is below three times the French legal rate "
                        "(%(floor)s%%, Code de commerce L441-10).",
                        scenario=scenario.display_name,
                        rate=scenario.interest_contractual_rate,
                        floor=float(error.floor),
                    )
                ) from error

    @api.constrains("recovery_indemnity_amount")
    def _check_recovery_indemnity_amount(self):
        for scenario in self:
            if scenario.recovery_indemnity_amount < 0:
                raise ValidationError(
                    self.env._("The recovery indemnity cannot be negative.")
                )

    @api.depends("level_ids")
    def _compute_level_count(self):
        for scenario in self:
            scenario.level_count = len(scenario.level_ids)

    def _credit_can_send_on(self, date, company):
        """Whether reminders of this scenario may go out on ``date``."""
        self.ensure_one()
        if self.send_window == "always":
            return True
        if date.weekday() >= 5:
            return False
        day = timedelta(days=1)
        # The company calendar comes with the ``resource`` addon, when installed.
        calendar = (
            company["resource_calendar_id"]
            if ("resource_calendar_id" in company._fields)
            else False
        )
        if self.send_window == "calendar" and calendar:
            holidays = self.env["resource.calendar.leaves"].search_count(
                [
                    ("calendar_id", "in", [calendar.id, False]),
                    ("resource_id", "=", False),
                    ("company_id", "in", [company.id, False]),
                    ("date_from", "<", fields.Datetime.to_datetime(date) + day),
                    ("date_to", ">", fields.Datetime.to_datetime(date)),
                ],
                limit=1,
            )
            return not holidays
        return True
