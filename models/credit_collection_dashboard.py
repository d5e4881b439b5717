from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command

from ..compat import Constraint
from .credit_aged_balance import AGED_BUCKETS

# Headline field -> (snapshot field it is compared with, higher is better:
# True, False, or None when a move is neither good nor bad news).
HEADLINES = {
    "amount_receivable": ("amount_receivable", None),
    "amount_overdue": ("amount_overdue", False),
    "overdue_percent": ("overdue_percent", False),
    "dso": ("dso_countback", False),
    "recovery_rate": ("recovery_rate", True),
    "promise_kept_rate": ("promise_kept_rate", True),
    "collection_cost": ("collection_cost", False),
}
MONEY_HEADLINES = ("amount_receivable", "amount_overdue", "collection_cost")
# Digits of the non-money headlines (percentages and days).
HEADLINE_DIGITS = {
    "overdue_percent": 2,
    "dso": 1,
    "recovery_rate": 2,
    "promise_kept_rate": 2,
}
TREND_SELECTION = [
    ("better", "Better"),
    ("worse", "Worse"),
    ("same", "Unchanged"),
    ("changed", "Changed"),
]
# Broken promises stay on the worklist this many days after their date.
BROKEN_PROMISE_DAYS = 30
TOP_OVERDUE_COUNT = 10


class CreditCollectionDashboard(models.Model):
    """The credit manager's dashboard: one card per company, refreshed each
    time it is opened from the indicators of the monthly snapshot (same
    definitions, so today compares with last month), with the worklist
    counts and the ways into the detailed analyses."""

    _name = "credit.collection.dashboard"
    _description = "Collection Dashboard"
    _order = "company_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="As of", readonly=True)
    snapshot_id = fields.Many2one(
        "credit.collection.snapshot",
        string="Compared With",
        readonly=True,
        ondelete="set null",
        help="The snapshot of the previous month; without it no trend is shown.",
    )
    missing_rate_warning = fields.Text(
        string="Missing Interest Rates",
        readonly=True,
        help="Reference rates of the current half-year that the scenarios "
        "claim: until they are entered, the notices claiming interest wait.",
    )
    amount_receivable = fields.Monetary(string="Total Receivable", readonly=True)
    amount_receivable_delta = fields.Monetary(string="Receivable Change", readonly=True)
    amount_receivable_trend = fields.Selection(
        TREND_SELECTION, string="Receivable Trend", readonly=True
    )
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    amount_overdue_delta = fields.Monetary(string="Overdue Change", readonly=True)
    amount_overdue_trend = fields.Selection(
        TREND_SELECTION, string="Overdue Trend", readonly=True
    )
    overdue_percent = fields.Float(string="Overdue (%)", readonly=True, digits=(16, 2))
    overdue_percent_delta = fields.Float(
        string="Overdue (%) Change", readonly=True, digits=(16, 2)
    )
    overdue_percent_trend = fields.Selection(
        TREND_SELECTION, string="Overdue (%) Trend", readonly=True
    )
    dso = fields.Float(
        string="DSO",
        readonly=True,
        digits=(16, 1),
        help="Days sales outstanding today, countback method over three months.",
    )
    dso_delta = fields.Float(string="DSO Change", readonly=True, digits=(16, 1))
    dso_trend = fields.Selection(TREND_SELECTION, string="DSO Trend", readonly=True)
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        readonly=True,
        digits=(16, 2),
        help="Collected this month out of what was due in it, so far.",
    )
    recovery_rate_delta = fields.Float(
        string="Recovery Rate Change", readonly=True, digits=(16, 2)
    )
    recovery_rate_trend = fields.Selection(TREND_SELECTION, readonly=True)
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)",
        readonly=True,
        digits=(16, 2),
        help="Promises falling due this month so far: kept / (kept + broken).",
    )
    promise_kept_rate_delta = fields.Float(
        string="Promises Kept Change", readonly=True, digits=(16, 2)
    )
    promise_kept_rate_trend = fields.Selection(
        TREND_SELECTION, string="Promises Kept Trend", readonly=True
    )
    collection_cost = fields.Monetary(
        string="Cost of Collection",
        readonly=True,
        help="Reminders sent this month so far and hand-offs, at the unit "
        "costs of the settings.",
    )
    collection_cost_delta = fields.Monetary(
        string="Cost of Collection Change", readonly=True
    )
    collection_cost_trend = fields.Selection(
        TREND_SELECTION, string="Cost of Collection Trend", readonly=True
    )
    bucket_ids = fields.One2many(
        "credit.collection.dashboard.bucket",
        "dashboard_id",
        string="Aged Balance",
        readonly=True,
    )
    notice_to_validate_count = fields.Integer(
        string="Notices to Validate", compute="_compute_worklist_counts"
    )
    call_count = fields.Integer(
        string="Calls to Make", compute="_compute_worklist_counts"
    )
    promise_due_count = fields.Integer(
        string="Promises Due", compute="_compute_worklist_counts"
    )
    promise_broken_count = fields.Integer(
        string="Broken Promises", compute="_compute_worklist_counts"
    )
    credit_hold_count = fields.Integer(
        string="Customers on Hold", compute="_compute_worklist_counts"
    )

    _company_unique = Constraint(
        "unique(company_id)",
        "A company has one collection dashboard.",
    )

    def _compute_worklist_counts(self):
        for dashboard in self:
            domains = dashboard._credit_worklist_domains()
            dashboard.notice_to_validate_count = self.env["credit.notice"].search_count(
                domains["to_validate"]
            )
            dashboard.call_count = self.env["credit.notice"].search_count(
                domains["calls"]
            )
            dashboard.promise_due_count = self.env["credit.promise"].search_count(
                domains["promises_due"]
            )
            dashboard.promise_broken_count = self.env["credit.promise"].search_count(
                domains["promises_broken"]
            )
            dashboard.credit_hold_count = (
                self.env["res.partner"]
                .with_company(dashboard.company_id)
                .search_count(domains["credit_hold"])
            )

    @api.depends("company_id")
    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = dashboard.company_id.name or ""

    # ------------------------------------------------------------------
    # Opening and refreshing
    # ------------------------------------------------------------------

    @api.model
    def action_credit_open_dashboard(self):
        """Menu: refresh the cards of the user's selected companies, then
        show them."""
        self.check_access("create")
        dashboards = self._credit_refresh(self.env.companies)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Collection Dashboard"),
            "res_model": self._name,
            "view_mode": "kanban",
            "views": [
                (
                    self.env.ref(
                        "credit_collection.credit_collection_dashboard_view_kanban"
                    ).id,
                    "kanban",
                )
            ],
            "domain": [("id", "in", dashboards.ids)],
            "context": {"create": False, "delete": False, "edit": False},
        }

    @api.model
    def _credit_refresh(self, companies):
        """Create or update the card of each company with today's figures;
        returns the cards. A fixed number of queries per company."""
        today = fields.Date.context_today(self)
        snapshots = self.env["credit.collection.snapshot"]
        previous_end = today.replace(day=1) - timedelta(days=1)
        previous = {
            snapshot.company_id: snapshot
            for snapshot in snapshots.search(
                [("company_id", "in", companies.ids), ("date", "=", previous_end)]
            )
        }
        existing = {
            dashboard.company_id: dashboard
            for dashboard in self.search([("company_id", "in", companies.ids)])
        }
        dashboards = self.browse()
        for company in companies:
            values = self._credit_dashboard_values(
                company, today, previous.get(company, snapshots)
            )
            dashboard = existing.get(company)
            if dashboard:
                dashboard.write(
                    dict(values, bucket_ids=[Command.clear()] + values["bucket_ids"])
                )
            else:
                dashboard = self.create(dict(values, company_id=company.id))
            dashboards |= dashboard
        return dashboards

    @api.model
    def _credit_dashboard_values(self, company, today, snapshot):
        """Today's headline figures of ``company`` (the month so far for the
        rates and the cost), each with its change since ``snapshot``."""
        current = self.env["credit.collection.snapshot"]._credit_snapshot_values(
            company, today
        )
        currency = company.currency_id
        values = {
            "date": today,
            "snapshot_id": snapshot.id,
            "missing_rate_warning": "\n".join(
                self.env["credit.interest.rate"]._credit_missing_current_rates(
                    company, today
                )
            )
            or False,
            "bucket_ids": [
                Command.create(
                    {
                        "company_id": company.id,
                        "bucket": bucket,
                        "amount": current[f"amount_{suffix}"],
                    }
                )
                for bucket, (suffix, _first, _last) in zip(
                    self.env["credit.collection.dashboard.bucket"]._credit_buckets(),
                    AGED_BUCKETS,
                    strict=True,
                )
            ],
        }
        for name, (source, higher_is_better) in HEADLINES.items():
            value = current[source]
            if name in MONEY_HEADLINES:
                value = currency.round(value)
            else:
                value = round(value, HEADLINE_DIGITS[name])
            values[name] = value
            values[f"{name}_delta"] = 0.0
            values[f"{name}_trend"] = False
            if not snapshot:
                continue
            if name in MONEY_HEADLINES:
                delta = currency.round(value - snapshot[source])
                sign = currency.compare_amounts(delta, 0.0)
            else:
                delta = round(value - snapshot[source], HEADLINE_DIGITS[name])
                sign = (delta > 0) - (delta < 0)
            values[f"{name}_delta"] = delta
            values[f"{name}_trend"] = self._credit_trend(sign, higher_is_better)
        return values

    @api.model
    def _credit_trend(self, sign, higher_is_better):
        if not sign:
            return "same"
        if higher_is_better is None:
            return "changed"
        return "better" if (sign > 0) == higher_is_better else "worse"

    # ------------------------------------------------------------------
    # Worklist
    # ------------------------------------------------------------------

    def _credit_worklist_domains(self):
        """The domain behind each worklist count of this company's card."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        company = [("company_id", "=", self.company_id.id)]
        return {
            "to_validate": company + [("state", "=", "to_validate")],
            "calls": company
            + [
                ("state", "not in", ("cancelled", "paid")),
                ("activity_ids.date_deadline", "<=", today),
            ],
            "promises_due": company
            + [("state", "=", "open"), ("promise_date", "<=", today)],
            "promises_broken": company
            + [
                ("state", "=", "broken"),
                ("promise_date", ">=", today - timedelta(days=BROKEN_PROMISE_DAYS)),
            ],
            # Company-dependent: read in the card's company.
            "credit_hold": [("credit_hold", "=", True), ("parent_id", "=", False)],
        }

    def _credit_list_action(self, xml_id, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action.update({"name": name, "domain": domain, "context": {"create": False}})
        return action

    def action_credit_open_to_validate(self):
        self.ensure_one()
        return self._credit_list_action(
            "credit_collection.credit_notice_action",
            self._credit_worklist_domains()["to_validate"],
            self.env._("Notices to Validate"),
        )

    def action_credit_open_calls(self):
        self.ensure_one()
        return self._credit_list_action(
            "credit_collection.credit_notice_action",
            self._credit_worklist_domains()["calls"],
            self.env._("Calls to Make"),
        )

    def action_credit_open_promises_due(self):
        self.ensure_one()
        return self._credit_list_action(
            "credit_collection.credit_promise_action",
            self._credit_worklist_domains()["promises_due"],
            self.env._("Promises Due"),
        )

    def action_credit_open_promises_broken(self):
        self.ensure_one()
        return self._credit_list_action(
            "credit_collection.credit_promise_action",
            self._credit_worklist_domains()["promises_broken"],
            self.env._("Broken Promises"),
        )

    def action_credit_open_credit_hold(self):
        """The customers on hold in this card's company (a company-dependent
        flag, so they are listed by id)."""
        self.ensure_one()
        partners = (
            self.env["res.partner"]
            .with_company(self.company_id)
            .search(self._credit_worklist_domains()["credit_hold"])
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.res_partner_action_credit_risk"
        )
        action.update(
            {
                "name": self.env._("Customers on Credit Hold"),
                "domain": [("id", "in", partners.ids)],
                "context": {"create": False},
            }
        )
        return action

    # ------------------------------------------------------------------
    # Analyses
    # ------------------------------------------------------------------

    def action_credit_open_aging(self):
        """The aged balance of the card's date, by bucket, as a bar chart."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Aged Balance of %(company)s", company=self.company_id.name
            ),
            "res_model": "credit.collection.dashboard.bucket",
            "view_mode": "graph,list",
            "domain": [("dashboard_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_credit_open_top_overdue(self):
        """The customers owing the most overdue today, through the aged
        balance so that each row opens its invoices."""
        self.ensure_one()
        wizard = self.env["credit.aged.balance.wizard"].create(
            {
                "date": fields.Date.context_today(self),
                "company_ids": [Command.set(self.company_id.ids)],
            }
        )
        wizard._credit_compute_lines()
        top = self.env["credit.aged.balance.line"].search(
            [("wizard_id", "=", wizard.id), ("amount_overdue", ">", 0)],
            limit=TOP_OVERDUE_COUNT,
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Top Overdue Customers"),
            "res_model": "credit.aged.balance.line",
            "view_mode": "list,graph",
            "domain": [("id", "in", top.ids)],
            "context": {"create": False, "delete": False, "edit": False},
        }

    def action_credit_open_recovery(self):
        """What each dunning step of each scenario got paid."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_recovery_analysis_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    def action_credit_open_collectors(self):
        """Per collector performance, from the monthly snapshots."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_collector_snapshot_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action
