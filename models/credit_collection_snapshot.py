from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import Constraint, notify_cron_progress
from ..tools.aging import bucket_fields, declare_bucket_fields

SNAPSHOT_HISTORY_MONTHS = 12
# Companies per call of the scheduled action; the cron framework calls it
# again while some remain.
SNAPSHOT_COMPANY_BATCH = 5


class CreditCollectionSnapshot(models.Model):
    """The collection indicators of one company at the end of one month,
    stored once by a monthly scheduled action so that the trends shown on
    the dashboard do not move when old entries are changed later."""

    _name = "credit.collection.snapshot"
    _description = "Collection Monthly Snapshot"
    _order = "date desc, company_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="Month End", required=True, index=True, readonly=True)
    amount_receivable = fields.Monetary(
        string="Receivable", readonly=True, aggregator="sum"
    )
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    # amount_not_due, amount_1_30, ... amount_120_plus: the bucket table's.
    declare_bucket_fields(
        locals(), lambda label: fields.Monetary(string=label, readonly=True)
    )
    overdue_percent = fields.Float(
        string="Overdue (%)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    dso_countback = fields.Float(
        string="DSO (Countback)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    dso_simple = fields.Float(
        string="DSO (Simple)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    average_days_to_pay = fields.Float(readonly=True, aggregator="avg", digits=(16, 1))
    days_beyond_terms = fields.Float(readonly=True, aggregator="avg", digits=(16, 1))
    amount_due = fields.Monetary(
        string="Due in Month",
        readonly=True,
        help="Open at the start of the month or invoiced in it, and due by its end.",
    )
    amount_collected = fields.Monetary(string="Collected", readonly=True)
    recovery_rate = fields.Float(
        string="Recovery Rate (%)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    notices_sent = fields.Integer(readonly=True)
    promises_kept = fields.Integer(readonly=True)
    promises_broken = fields.Integer(readonly=True)
    promise_kept_rate = fields.Float(
        string="Promises Kept (%)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    disputes_opened = fields.Integer(readonly=True)
    dispute_rate = fields.Float(
        string="Dispute Rate (%)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    dispute_resolution_days = fields.Float(
        string="Dispute Resolution (Days)", readonly=True, aggregator="avg"
    )
    collection_cost = fields.Monetary(string="Cost of Collection", readonly=True)
    fees_charged = fields.Monetary(readonly=True)
    collector_line_ids = fields.One2many(
        "credit.collector.snapshot", "snapshot_id", string="Collectors", readonly=True
    )

    _company_date_unique = Constraint(
        "unique(company_id, date)",
        "A company has one snapshot per month.",
    )

    @api.depends("company_id", "date")
    def _compute_display_name(self):
        for snapshot in self:
            snapshot.display_name = self.env._(
                "%(company)s, %(month)s",
                company=snapshot.company_id.name or "",
                month=snapshot.date.strftime("%Y-%m") if snapshot.date else "",
            )

    @api.model
    def action_credit_take_snapshots(self):
        """Button: the missing snapshots of the last 12 months of the user's
        companies (the aged balance is as of any date, so history can be
        rebuilt once at install)."""
        self.check_access("create")
        today = fields.Date.context_today(self)
        last_month_end = today + relativedelta(day=1, days=-1)
        for company in self.env.companies:
            for index in range(SNAPSHOT_HISTORY_MONTHS):
                month_end = last_month_end + relativedelta(months=-index, day=31)
                self._credit_take_snapshot(company, month_end)
        return {
            "type": "ir.actions.client",
            "tag": "reload",
        }

    @api.model
    def _cron_credit_snapshot(self):
        """Monthly: each company's snapshot of the month just ended, a few
        companies per call; a company already done is skipped, so an
        interrupted run resumes where it stopped. Returns how many remain."""
        today = fields.Date.context_today(self)
        month_end = today + relativedelta(day=1, days=-1)
        done_ids = set(self.sudo().search([("date", "=", month_end)]).company_id.ids)
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        todo = companies.filtered(lambda company: company.id not in done_ids)
        batch = todo[:SNAPSHOT_COMPANY_BATCH]
        for company in batch:
            self.sudo().with_company(company)._credit_take_snapshot(company, month_end)
        notify_cron_progress(self.env, len(batch), len(todo) - len(batch))
        return len(todo) - len(batch)

    @api.model
    def _credit_take_snapshot(self, company, month_end):
        """Store the snapshot of ``company`` for the month ending on
        ``month_end`` unless it exists; return it."""
        existing = self.search(
            [("company_id", "=", company.id), ("date", "=", month_end)]
        )
        if existing:
            return existing
        values = self._credit_snapshot_values(company, month_end)
        snapshot = self.create(values)
        self.env["credit.collector.snapshot"].create(
            [
                dict(line, snapshot_id=snapshot.id)
                for line in self._credit_collector_values(company, month_end)
            ]
        )
        return snapshot

    @api.model
    def _credit_snapshot_values(self, company, month_end):
        kpi = self.env["credit.collection.kpi"]
        month_start = month_end.replace(day=1)
        aged = self.env["credit.aged.balance"]._credit_aged_balance(month_end, company)
        currency = company.currency_id
        values = {"company_id": company.id, "date": month_end}
        for key in [name for name, _label in bucket_fields()] + ["amount_overdue"]:
            values[key] = currency.round(sum(row[key] for row in aged))
        receivable = currency.round(sum(row["amount_total"] for row in aged))
        values["amount_receivable"] = receivable
        values["overdue_percent"] = (
            round(values["amount_overdue"] / receivable * 100, 2) if receivable else 0.0
        )
        dso = kpi._credit_dso(month_end, company).get(None, {})
        values["dso_countback"] = dso.get("dso_countback") or 0.0
        values["dso_simple"] = dso.get("dso_simple") or 0.0
        _count, to_pay, beyond = kpi._credit_payment_times(
            company, month_start, month_end
        ).get(None, (0, 0.0, 0.0))
        values["average_days_to_pay"] = to_pay
        values["days_beyond_terms"] = beyond
        recovery = kpi._credit_recovery(company, month_start, month_end)
        values["amount_due"] = recovery["due"]
        values["amount_collected"] = recovery["collected"]
        values["recovery_rate"] = recovery["rate"]
        promises = kpi._credit_promise_stats(company, month_start, month_end)
        values["promises_kept"] = promises["kept"]
        values["promises_broken"] = promises["broken"]
        values["promise_kept_rate"] = promises["rate"]
        disputes = kpi._credit_dispute_stats(company, month_start, month_end)
        values["disputes_opened"] = disputes["opened"]
        values["dispute_rate"] = disputes["rate"]
        values["dispute_resolution_days"] = disputes["resolution_days"]
        cost = kpi._credit_collection_cost(company, month_start, month_end)
        values["notices_sent"] = cost["notices"]
        values["collection_cost"] = cost["cost"]
        values["fees_charged"] = cost["fees"]
        return values

    @api.model
    def _credit_collector_values(self, company, month_end):
        """Per collector: the customers' aged balance at the month end, the
        notices the collector sent and the promises they obtained in the
        month, and what their customers paid in it."""
        month_start = month_end.replace(day=1)
        aged = self.env["credit.aged.balance"]._credit_aged_balance(month_end, company)
        currency = company.currency_id
        per_user = {}

        def line(user_id):
            return per_user.setdefault(
                user_id or False,
                {
                    "user_id": user_id or False,
                    "customer_count": 0,
                    "amount_receivable": 0.0,
                    "amount_overdue": 0.0,
                    "amount_collected": 0.0,
                    "notices_sent": 0,
                    "promises_kept": 0,
                    "promises_broken": 0,
                },
            )

        for row in aged:
            values = line(row["collector_id"])
            values["customer_count"] += 1
            values["amount_receivable"] += row["amount_total"]
            values["amount_overdue"] += row["amount_overdue"]
        for user_id, count in self.env.execute_query(
            SQL(
                """
            SELECT user_id, COUNT(*) FROM credit_notice
             WHERE company_id = %s AND state IN ('sent', 'paid')
               AND date BETWEEN %s AND %s
          GROUP BY user_id
                """,
                company.id,
                month_start,
                month_end,
            )
        ):
            line(user_id)["notices_sent"] = count
        for user, state, count in self.env["credit.promise"]._read_group(
            [
                ("company_id", "=", company.id),
                ("promise_date", ">=", month_start),
                ("promise_date", "<=", month_end),
                ("state", "in", ("kept", "broken")),
            ],
            ["user_id", "state"],
            ["__count"],
        ):
            line(user.id)[f"promises_{state}"] = count
        for user_id, amount in self.env.execute_query(
            SQL(
                """
            SELECT (cp.credit_collector_id ->> %(key)s)::int, SUM(apr.amount)
              FROM account_partial_reconcile apr
              JOIN account_move_line aml ON aml.id = apr.debit_move_id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN res_partner p ON p.id = aml.partner_id
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
             WHERE acc.account_type = 'asset_receivable'
               AND apr.company_id = %(company)s
               AND apr.max_date BETWEEN %(start)s AND %(end)s
               AND cm.move_type NOT IN ('out_refund', 'out_invoice')
          GROUP BY 1
                """,
                key=str(company.id),
                company=company.id,
                start=month_start,
                end=month_end,
            )
        ):
            line(user_id)["amount_collected"] = float(amount)
        for values in per_user.values():
            for key in ("amount_receivable", "amount_overdue", "amount_collected"):
                values[key] = currency.round(values[key])
            values.update(company_id=company.id, date=month_end)
        return list(per_user.values())
