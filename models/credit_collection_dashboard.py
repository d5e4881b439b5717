from collections import namedtuple
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_amount, format_date, formatLang

from ..tools.aging import AGING_BUCKETS, bucket_fields
from ..tools.receivable import open_invoice_domain

# Months of snapshots drawn on the trend charts (today's figures added).
TREND_MONTHS = 12
# Months of payments credited to the dunning steps on the recovery chart.
RECOVERY_MONTHS = 12
# Headline KPI -> higher is better (True / False), or None when a change
# is neither good nor bad news (more receivable).
TRENDS = {
    "receivable": None,
    "overdue": False,
    "dso": False,
    "recovery_rate": True,
}
# The list a KPI opens: the window action, the domain that counts it, its
# title. Written as a call: 19.0's term extractor reads a bare tuple opened
# right after an ``_()`` call as another ``_()`` call.
KpiList = namedtuple("KpiList", "action domain title")


class CreditCollectionDashboard(models.AbstractModel):
    """The credit manager's morning screen (the OWL client action
    ``credit_collection.dashboard``): its figures come from one call,
    ``get_dashboard_data``, for the current company and its selected
    branches, and each KPI opens its list through ``action_credit_open_kpi``.
    Nothing is stored: the figures are those of the moment."""

    _name = "credit.collection.dashboard"
    _description = "Collection Dashboard"

    # ------------------------------------------------------------------
    # Scope
    # ------------------------------------------------------------------

    @api.model
    def _credit_dashboard_companies(self, company_id=None):
        """The companies the dashboard adds up: the current company (or
        ``company_id``, which must be one of the selected companies) and its
        branches selected in the company switcher, as Odoo's own reports do.
        The raw SQL of the indicators bypasses record rules: this is where
        the dashboard keeps to the user's groups and active companies."""
        if not (
            self.env.su
            or self.env.user.has_group("credit_collection.group_credit_controller")
        ):
            raise AccessError(
                self.env._("Only credit controllers and managers see the dashboard.")
            )
        company = self.env.company
        if company_id:
            company = self.env["res.company"].browse(company_id)
            if company not in self.env.companies:
                raise AccessError(
                    self.env._(
                        "You are not allowed to see the receivables of this company."
                    )
                )
        return company._accessible_branches()

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------

    @api.model
    def get_dashboard_data(self, company_id=None):
        """Everything the dashboard draws, labels translated and amounts
        formatted in the user's language: KPIs with their change since last
        month's snapshot, and the aging, trend, recovery and collector
        charts. A fixed number of queries per company."""
        companies = self._credit_dashboard_companies(company_id)
        company = companies[:1]
        currency = company.currency_id
        today = fields.Date.context_today(self)
        snapshot_model = self.env["credit.collection.snapshot"]
        current = self._credit_combine(
            [snapshot_model._credit_snapshot_values(c, today) for c in companies]
        )
        history = self._credit_snapshot_history(companies, today)
        previous_end = today.replace(day=1) - timedelta(days=1)
        previous = history.get(previous_end)
        counts = {
            key: self.env[model].search_count(domain)
            for key, (model, domain) in self._credit_worklist_domains(companies).items()
        }
        return {
            "title": self.env._("Collection Dashboard"),
            "company": company.name,
            "branches": companies[1:].mapped("name"),
            "date": format_date(self.env, today),
            "compared_with": previous and format_date(self.env, previous_end),
            "missing_rates": self._credit_missing_rates(companies, today),
            "currency": {
                "symbol": currency.symbol,
                "position": currency.position,
                "digits": currency.decimal_places,
            },
            "kpis": self._credit_kpis(current, previous, counts, currency)
            + self.env["credit.insurance.deadline"]._credit_dashboard_kpis(
                companies, currency
            ),
            "charts": {
                "aging": self._credit_aging_chart(current, currency),
                "trend": self._credit_trend_chart(history, current, today),
                "recovered": self._credit_recovered_chart(companies, today),
                "collectors": self._credit_collector_chart(companies),
                "forecast": self.env["credit.payment.forecast"]._credit_dashboard_chart(
                    companies, today, currency
                ),
            },
        }

    @api.model
    def _credit_combine(self, rows):
        """Figures of several companies of one currency (a company and its
        branches): amounts added, the rates recomputed from the sums, the DSO
        weighted by receivable. One company's figures are left as they are."""
        if len(rows) == 1:
            return rows[0]
        total = {
            key: sum(row[key] for row in rows)
            for key in rows[0]
            if key.startswith("amount_")
        }
        receivable = total["amount_receivable"]
        total["overdue_percent"] = (
            round(total["amount_overdue"] / receivable * 100, 2) if receivable else 0.0
        )
        total["recovery_rate"] = (
            round(total["amount_collected"] / total["amount_due"] * 100, 2)
            if total["amount_due"]
            else 0.0
        )
        total["dso_countback"] = (
            round(
                sum(row["dso_countback"] * row["amount_receivable"] for row in rows)
                / receivable,
                1,
            )
            if receivable
            else 0.0
        )
        return total

    @api.model
    def _credit_snapshot_history(self, companies, today):
        """{month end: combined figures} of the snapshots of the last
        TREND_MONTHS months, read through the ORM (record rules apply)."""
        start = today + relativedelta(months=-TREND_MONTHS, day=1)
        fnames = [
            "date",
            "amount_receivable",
            "amount_overdue",
            "amount_due",
            "amount_collected",
            "dso_countback",
            "recovery_rate",
        ]
        per_date = {}
        for row in self.env["credit.collection.snapshot"].search_read(
            [("company_id", "in", companies.ids), ("date", ">=", start)],
            fnames,
            order="date",
        ):
            day = row.pop("date")
            row.pop("id")
            per_date.setdefault(day, []).append(row)
        return {day: self._credit_combine(rows) for day, rows in per_date.items()}

    @api.model
    def _credit_worklist_domains(self, companies):
        """{kpi: (model, domain)} of the worklist counts; the same domain
        opens the list behind the count."""
        today = fields.Date.context_today(self)
        company = [("company_id", "in", companies.ids)]
        return {
            "to_validate": ("credit.notice", company + [("state", "=", "to_validate")]),
            "calls": (
                "credit.notice",
                company
                + [
                    ("state", "not in", ("cancelled", "paid")),
                    ("activity_ids.date_deadline", "<=", today),
                ],
            ),
            "letters": (
                "credit.notice",
                company + [("state", "=", "sent"), ("letter_to_print", "=", True)],
            ),
        }

    @api.model
    def _credit_missing_rates(self, companies, today):
        """Managers are warned of the reference rates still missing."""
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            return []
        rates = self.env["credit.interest.rate"]
        return [
            message
            for company in companies
            for message in rates._credit_missing_current_rates(company, today)
        ]

    @api.model
    def _credit_kpis(self, current, previous, counts, currency):
        def money(amount):
            return format_amount(self.env, amount, currency)

        def days(value):
            return self.env._("%(days)s days", days=formatLang(self.env, value, 1))

        def percent(value):
            return f"{formatLang(self.env, value, 1)} %"

        headlines = [
            (
                "receivable",
                self.env._("Total Receivable"),
                current["amount_receivable"],
                previous and previous["amount_receivable"],
                money,
            ),
            (
                "overdue",
                self.env._("Overdue"),
                current["amount_overdue"],
                previous and previous["amount_overdue"],
                money,
            ),
            (
                "dso",
                self.env._("DSO"),
                current["dso_countback"],
                previous and previous["dso_countback"],
                days,
            ),
            (
                "recovery_rate",
                self.env._("Recovery Rate this Month"),
                current["recovery_rate"],
                previous and previous["recovery_rate"],
                percent,
            ),
        ]
        kpis = []
        for key, label, value, before, fmt in headlines:
            kpi = {"key": key, "label": label, "value": value, "display": fmt(value)}
            if previous:
                delta = round(value - before, 2)
                sign = (delta > 0) - (delta < 0)
                kpi["delta"] = delta
                kpi["delta_display"] = ("+" if delta > 0 else "") + fmt(delta)
                kpi["trend"] = self._credit_trend(sign, TRENDS[key])
            kpis.append(kpi)
        for key, label in {
            "to_validate": self.env._("Notices to Validate"),
            "calls": self.env._("Calls to Make"),
            "letters": self.env._("Letters to Print"),
        }.items():
            kpis.append(
                {
                    "key": key,
                    "label": label,
                    "value": counts[key],
                    "display": str(counts[key]),
                }
            )
        return kpis

    @api.model
    def _credit_trend(self, sign, higher_is_better):
        if not sign:
            return "same"
        if higher_is_better is None:
            return "changed"
        return "better" if (sign > 0) == higher_is_better else "worse"

    @api.model
    def _credit_aging_chart(self, current, currency):
        labels = {
            "not_due": self.env._("Not Due"),
            "1_30": self.env._("1-30 days"),
            "31_60": self.env._("31-60 days"),
            "61_90": self.env._("61-90 days"),
            "91_120": self.env._("91-120 days"),
            "120_plus": self.env._("Over 120 days"),
        }
        return {
            "title": self.env._("Aged Balance"),
            "labels": [labels[suffix] for suffix, *_bounds in AGING_BUCKETS],
            "values": [
                currency.round(current[name]) for name, _label in bucket_fields()
            ],
        }

    @api.model
    def _credit_trend_chart(self, history, current, today):
        """Overdue and DSO at each month end, then today; the months
        before the first receivable (before go-live) are left out."""
        points = sorted(history.items()) + [(today, current)]
        while len(points) > 1 and not points[0][1]["amount_receivable"]:
            points.pop(0)
        return {
            "title": self.env._("Overdue and DSO by Month"),
            "labels": [
                format_date(self.env, day, date_format="MMM yyyy")
                for day, _values in points[:-1]
            ]
            + [self.env._("Today")],
            "overdue": [values["amount_overdue"] for _day, values in points],
            "dso": [values["dso_countback"] for _day, values in points],
            "overdue_label": self.env._("Overdue"),
            "dso_label": self.env._("DSO (days)"),
        }

    @api.model
    def _credit_recovered_chart(self, companies, today):
        """What the payments of the last months credited to each step."""
        start = today + relativedelta(months=-RECOVERY_MONTHS + 1, day=1)
        groups = self.env["credit.recovery.analysis"]._read_group(
            [("company_id", "in", companies.ids), ("date", ">=", start)],
            ["scenario_id", "level_id"],
            ["amount:sum"],
        )
        groups.sort(
            key=lambda g: (g[0].sequence, g[0].id, g[1].days_offset, g[1].sequence)
        )
        several = len({scenario for scenario, _level, _amount in groups}) > 1
        return {
            "title": self.env._("Recovered per Dunning Step (12 months)"),
            "labels": [
                f"{scenario.name} · {level.name}" if several else level.name
                for scenario, level, _amount in groups
            ],
            "values": [amount for _scenario, _level, amount in groups],
            "empty": not groups
            and self.env._("No payment after a reminder in the last 12 months."),
        }

    @api.model
    def _credit_collector_chart(self, companies):
        """Each collector's collected and overdue in the latest snapshot."""
        Lines = self.env["credit.collector.snapshot"]
        latest = Lines.search(
            [("company_id", "in", companies.ids)], order="date desc", limit=1
        ).date
        groups = (
            Lines._read_group(
                [("company_id", "in", companies.ids), ("date", "=", latest)],
                ["user_id"],
                ["amount_collected:sum", "amount_overdue:sum"],
                order="amount_overdue:sum desc",
            )
            if latest
            else []
        )
        return {
            "title": self.env._("Collector Performance"),
            "subtitle": latest
            and format_date(self.env, latest, date_format="MMMM yyyy"),
            "labels": [
                user.name or self.env._("No collector") for user, _c, _o in groups
            ],
            "collected": [collected for _user, collected, _overdue in groups],
            "overdue": [overdue for _user, _collected, overdue in groups],
            "empty": not groups and self.env._("No monthly snapshot yet."),
            "collected_label": self.env._("Collected in the month"),
            "overdue_label": self.env._("Overdue at month end"),
        }

    # ------------------------------------------------------------------
    # Click-through
    # ------------------------------------------------------------------

    @api.model
    def action_credit_open_kpi(self, key, company_id=None):
        """The list behind a KPI of the dashboard, filtered as it counts."""
        companies = self._credit_dashboard_companies(company_id)
        company = [("company_id", "in", companies.ids)]
        worklist = self._credit_worklist_domains(companies)
        today = fields.Date.context_today(self)
        open_invoices = company + open_invoice_domain(("out_invoice", "out_refund"))
        targets = {
            "receivable": KpiList(
                "account.action_move_out_invoice_type",
                open_invoices,
                self.env._("Open Customer Invoices"),
            ),
            "overdue": KpiList(
                "account.action_move_out_invoice_type",
                open_invoices + [("invoice_date_due", "<", today)],
                self.env._("Overdue Customer Invoices"),
            ),
            "dso": KpiList(
                "credit_collection.credit_collection_snapshot_action",
                company,
                self.env._("Collection Trends"),
            ),
            "recovery_rate": KpiList(
                "credit_collection.credit_recovery_analysis_action",
                company,
                self.env._("Recovered per Dunning Step"),
            ),
            "to_validate": KpiList(
                "credit_collection.credit_notice_action",
                worklist["to_validate"][1],
                self.env._("Notices to Validate"),
            ),
            "calls": KpiList(
                "credit_collection.credit_notice_action",
                worklist["calls"][1],
                self.env._("Calls to Make"),
            ),
            "letters": KpiList(
                "credit_collection.credit_notice_action",
                worklist["letters"][1],
                self.env._("Letters to Print"),
            ),
        }
        targets.update(
            self.env["credit.insurance.deadline"]._credit_dashboard_domains(companies)
        )
        targets["insurance_uninsured"] = KpiList(
            "credit_collection.res_partner_action_credit_customers",
            [("credit_insurance_cover_ids", "!=", False)],
            self.env._("Insured Customers"),
        )
        if key not in targets:
            raise UserError(self.env._("This indicator has no list."))
        xml_id, domain, name = targets[key]
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action.update({"name": name, "domain": domain, "context": {"create": False}})
        return action
