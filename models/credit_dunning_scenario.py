from datetime import timedelta

from odoo import api, fields, models


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

    def _credit_level_for_days(self, days_overdue):
        """The highest level reached ``days_overdue`` days after the due
        date (negative before it), or an empty recordset."""
        self.ensure_one()
        reached = self.level_ids.filtered(
            lambda level: level.days_offset <= days_overdue
        )
        return reached.sorted("days_offset")[-1:] if reached else reached
