from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date, formatLang

from ..tools import payment_forecast as pf
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    SETTLED_PAYMENT_STATES,
)
from .account_move_forecast import EXPECTED_FIELDS, EXPECTED_TYPES
from .credit_engine import CONTROLLER

# Fully paid (a reversed invoice was cancelled by a credit note, not paid).
PAID_STATES = SETTLED_PAYMENT_STATES[:2]
# The backtest replays the forecast made this many weeks ago.
BACKTEST_WEEKS = (4, 8, 12)
# Customers named among the forecast's drivers.
TOP_DRIVERS = 5


class CreditPaymentForecast(models.AbstractModel):
    """Expected payment dates of the open invoices and the 13-week cash-in
    forecast built on them, with its backtest. The statistics are
    ``tools/payment_forecast.py``; here the ledger is read and the dates
    stored, per company, in a fixed number of queries."""

    _name = "credit.payment.forecast"
    _description = "Cash-in Forecast"

    # ------------------------------------------------------------------
    # The ledger
    # ------------------------------------------------------------------

    @api.model
    def _credit_reconciliations(self):
        """The joins to an invoice's reconciliations, ``part``: the partial
        reconciliations of its payment-term lines (debit side: customer
        invoices). An invoice became fully paid on the latest
        ``part.max_date``: the forecast's *paid on*."""
        return SQL(
            """
            LEFT JOIN account_move_line line
                   ON line.move_id = move.id
                  AND line.display_type = 'payment_term'
            LEFT JOIN account_partial_reconcile part
                   ON part.debit_move_id = line.id
            """
        )

    @api.model
    def _credit_invoices_condition(self, company, until, states):
        """The customer invoices of ``company`` the forecast reads: posted,
        in one of the payment ``states``, dated before ``until``."""
        return SQL(
            """move.company_id = %s AND move.move_type IN %s
               AND move.state = 'posted' AND move.payment_state IN %s
               AND move.date < %s""",
            company.id,
            CUSTOMER_INVOICE_TYPES,
            tuple(states),
            until,
        )

    @api.model
    def _credit_ledger(self, company, since, until):
        """Every customer invoice of ``company`` the backtest replays, as
        ``payment_forecast.Invoice``: the open ones, and those fully paid
        from ``since`` on, dated before ``until``, with their
        reconciliations (company currency: ``account.partial.reconcile
        .amount``). One query; reversed invoices (cancelled by a credit
        note) are left out."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.id, move.commercial_partner_id, move.date,
                       move.invoice_date_due, move.amount_total_signed::float8,
                       move.amount_residual_signed::float8,
                       move.payment_state IN %(settled)s,
                       COALESCE(array_agg(part.max_date ORDER BY part.max_date)
                                FILTER (WHERE part.id IS NOT NULL), '{}'),
                       COALESCE(array_agg(part.amount::float8 ORDER BY part.max_date)
                                FILTER (WHERE part.id IS NOT NULL), '{}')
                  FROM account_move move
                       %(reconciliations)s
                 WHERE %(invoices)s
              GROUP BY move.id
                HAVING move.payment_state IN %(open)s
                    OR MAX(part.max_date) >= %(since)s
                """,
                settled=PAID_STATES,
                reconciliations=self._credit_reconciliations(),
                invoices=self._credit_invoices_condition(
                    company, until, OPEN_PAYMENT_STATES + PAID_STATES
                ),
                open=OPEN_PAYMENT_STATES,
                since=since,
            )
        )
        return [
            pf.Invoice(
                id=row[0],
                partner=row[1],
                date=row[2],
                due=row[3] or row[2],
                total=row[4],
                residual=row[5],
                settled=row[6],
                payments=list(zip(row[7], row[8], strict=True)),
            )
            for row in rows
        ]

    @api.model
    def _credit_open_and_history(self, company, since, until):
        """What the daily computation reads, in one query and without
        arrays: the open invoices dated before ``until``, ``(id, partner,
        due, stored values)`` (``EXPECTED_FIELDS``), and the history, per
        customer the ``(paid on, delay)`` of the invoices fully paid from
        ``since`` to before ``until`` (what ``payment_forecast
        .paid_samples`` takes from the ledger)."""
        self.env.flush_all()
        nulls = SQL(", ").join(
            SQL("NULL::%s", SQL(kind)) for kind in EXPECTED_TYPES.values()
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.id, move.commercial_partner_id,
                       COALESCE(move.invoice_date_due, move.date), NULL::date,
                       %(stored)s
                  FROM account_move move
                 WHERE %(open)s
             UNION ALL
                SELECT NULL, move.commercial_partner_id,
                       COALESCE(move.invoice_date_due, move.date),
                       MAX(part.max_date), %(nulls)s
                  FROM account_move move
                       %(reconciliations)s
                 WHERE %(paid)s
              GROUP BY move.id
                HAVING MAX(part.max_date) >= %(since)s
                   AND MAX(part.max_date) < %(until)s
                """,
                stored=SQL(", ").join(
                    SQL("move.%s", SQL.identifier(name)) for name in EXPECTED_FIELDS
                ),
                open=self._credit_invoices_condition(
                    company, until, OPEN_PAYMENT_STATES
                ),
                nulls=nulls,
                reconciliations=self._credit_reconciliations(),
                paid=self._credit_invoices_condition(company, until, PAID_STATES),
                since=since,
                until=until,
            )
        )
        open_rows, samples = [], {}
        for move_id, partner, due, paid_on, *stored in rows:
            if move_id:
                open_rows.append((move_id, partner, due, tuple(stored)))
            else:
                samples.setdefault(partner, []).append((paid_on, (paid_on - due).days))
        return open_rows, samples

    @api.model
    def _credit_commitments(self, company, today):
        """The dates customers committed to for their open invoices:
        ``{move_id: ("promise"|"plan", date)}``. An open promise covering the
        invoice gives its date (the earliest of several); else an active
        plan gives the installment that pays it (oldest invoices first).
        Three queries."""
        commitments = {}
        promises = self.env["credit.promise"].search(
            [("company_id", "=", company.id), ("state", "=", "open")],
            order="promise_date desc",
        )
        for promise in promises:
            for move in promise.move_ids:
                commitments[move.id] = ("promise", promise.promise_date)
        plans = self.env["credit.payment.plan"].search(
            [("company_id", "=", company.id), ("state", "=", "active")]
        )
        for plan in plans:
            installments = [
                (line.date_due, line.amount - line.paid_amount)
                for line in plan.installment_ids.sorted("date_due")
                if line.state in ("open", "late")
            ]
            moves = plan.move_ids.filtered(
                lambda m: m.payment_state in OPEN_PAYMENT_STATES
            ).sorted(lambda m: (m.invoice_date_due or m.date, m.id))
            dates = pf.allocate_installments(
                [(move.id, move.amount_residual_signed) for move in moves],
                installments,
            )
            for move_id, day in dates.items():
                commitments.setdefault(move_id, ("plan", day))
        return commitments

    # ------------------------------------------------------------------
    # Expected payment dates
    # ------------------------------------------------------------------

    @api.model
    def action_credit_compute_expected_dates(self):
        """On demand: the daily computation, now, for the current company
        (credit controllers only: it writes every open invoice)."""
        if not self.env.user.has_group(CONTROLLER):
            raise AccessError(
                self.env._("Only credit controllers compute the expected payments.")
            )
        count, _written = self._credit_compute_expected_dates(self.env.company)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Expected payment dates computed for %(count)s open invoices.",
                    count=count,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_compute_expected_dates(self):
        """Daily: the expected dates of every company's open invoices, and
        the backtest the dashboard shows."""
        for company in self.env["res.company"].search([]):  # pylint: disable=no-search-all
            self._credit_compute_expected_dates(company)
            self._credit_store_backtest(company)

    @api.model
    def _credit_store_backtest(self, company, today=None):
        """Replay the backtest of ``company`` and keep it on the company for
        the dashboard (dates as ISO strings)."""
        today = today or fields.Date.context_today(self.with_company(company))
        company.sudo().credit_forecast_backtest = [
            dict(result, as_of=fields.Date.to_string(result["as_of"]))
            for result in self._credit_backtest(company, today)
        ]

    @api.model
    def _credit_stored_backtest(self, companies):
        """The backtests the nightly job kept for ``companies``, added up
        per horizon as ``_credit_backtest`` adds companies up."""
        results = {}
        for company in companies.sudo():
            for result in company.credit_forecast_backtest or []:
                total = results.setdefault(
                    result["weeks"],
                    {
                        "weeks": result["weeks"],
                        "forecast": [0.0] * len(result["forecast"]),
                        "actual": [0.0] * len(result["actual"]),
                    },
                )
                for key in ("forecast", "actual"):
                    total[key] = [
                        a + b for a, b in zip(total[key], result[key], strict=True)
                    ]
        for total in results.values():
            total["mae"], total["share"] = pf.mean_absolute_error(
                total["forecast"], total["actual"]
            )
        return [results[weeks] for weeks in sorted(results)]

    @api.model
    def _credit_compute_expected_dates(self, company, today=None):
        """Compute and store the expected payment date, band and basis of
        every open invoice of ``company``, from the paid invoices that were
        paid at least as late as it already is (the customer's, else the
        company's; else doubtful, see ``expected_from_history``); a promise
        or a plan installment overrides the history. A fixed number of
        queries whatever the ledger; only the invoices whose values changed
        are written (the days overdue their explanation counts are the
        company's day of computation less the due date: stored per invoice,
        they would rewrite every open invoice every day). Returns the number
        of open invoices and of those written."""
        today = today or fields.Date.context_today(self.with_company(company))
        until = today + timedelta(1)
        # The history as ``payment_forecast.paid_samples`` reads it on
        # ``until``: paid in the ``HISTORY_DAYS`` before it.
        open_rows, samples = self._credit_open_and_history(
            company, until - timedelta(days=pf.HISTORY_DAYS), until
        )
        by_partner, overall = pf.behaviours(samples, today)
        commitments = self._credit_commitments(company, today)
        changed = {name: [] for name in ["id", *EXPECTED_FIELDS]}
        for move_id, partner, due, stored in open_rows:
            commitment = commitments.get(move_id)
            if commitment:
                basis, day = commitment
                expected = pf.expected_from_commitment(day, today)
                delay, count = 0, 0
            else:
                basis, expected, stats = pf.expected_from_history(
                    due, by_partner.get(partner), overall, today
                )
                delay, count = stats.median, stats.count
            values = (*(expected or (None, None, None)), basis, delay, count)
            if values != stored:
                for name, value in zip(changed, (move_id, *values), strict=True):
                    changed[name].append(value)
        self._credit_store_expected(company, changed, until)
        company.sudo().credit_expected_computed_on = today
        return len(open_rows), len(changed["id"])

    @api.model
    def _credit_store_expected(self, company, changed, until):
        """Two UPDATEs: the ``changed`` open invoices (arrays unnested, one
        parameter per column), and the values of the company's invoices no
        longer open cleared."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET %s
                  FROM unnest(%s) AS data(%s)
                 WHERE move.id = data.id
                """,
                SQL(", ").join(
                    SQL("%s = data.%s", SQL.identifier(name), SQL.identifier(name))
                    for name in EXPECTED_FIELDS
                ),
                SQL(", ").join(
                    SQL("%s::" + kind + "[]", changed[name])
                    for name, kind in {"id": "int", **EXPECTED_TYPES}.items()
                ),
                SQL(", ").join(SQL.identifier(name) for name in changed),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET %s
                 WHERE move.company_id = %s
                   AND move.credit_expected_basis IS NOT NULL
                   AND NOT (%s)
                """,
                SQL(", ").join(
                    SQL("%s = NULL", SQL.identifier(name)) for name in EXPECTED_FIELDS
                ),
                company.id,
                self._credit_invoices_condition(company, until, OPEN_PAYMENT_STATES),
            )
        )
        self.env["account.move"].invalidate_model(EXPECTED_FIELDS)

    # ------------------------------------------------------------------
    # The 13-week forecast
    # ------------------------------------------------------------------

    @api.model
    def _credit_forecast(self, companies, today):
        """Expected cash-in of the open invoices of ``companies`` per week
        (``FORECAST_WEEKS`` Monday-start weeks from this one, company
        currency), its band, and its drivers: the customers bringing most,
        the share of promises and plans, and the doubtful invoices left out.
        Reads the stored expected dates: four grouped queries."""
        Move = self.env["account.move"]
        first = pf.week_start(today)
        end = first + timedelta(weeks=pf.FORECAST_WEEKS)
        domain = [
            *self._credit_open_domain(companies),
            ("credit_expected_low", "<", end),
            ("credit_expected_high", ">=", first),
        ]
        groups = Move._read_group(
            domain,
            [
                "credit_expected_date:day",
                "credit_expected_low:day",
                "credit_expected_high:day",
            ],
            ["amount_residual_signed:sum"],
        )
        weeks = pf.weekly_buckets(
            [(amount, day, low, high) for day, low, high, amount in groups], today
        )
        horizon = [*domain, ("credit_expected_date", "<", end)]
        customers = Move._read_group(
            horizon,
            ["commercial_partner_id"],
            ["amount_residual_signed:sum"],
            order="amount_residual_signed:sum desc",
            limit=TOP_DRIVERS,
        )
        bases = dict(
            Move._read_group(
                horizon, ["credit_expected_basis"], ["amount_residual_signed:sum"]
            )
        )
        [(doubtful,)] = Move._read_group(
            [
                *self._credit_open_domain(companies),
                ("credit_expected_basis", "=", "doubtful"),
            ],
            [],
            ["amount_residual_signed:sum"],
        )
        return {
            "weeks": weeks,
            "customers": [(partner, amount) for partner, amount in customers],
            "bases": bases,
            "doubtful": doubtful,
        }

    @api.model
    def _credit_open_domain(self, companies):
        return [
            ("company_id", "in", companies.ids),
            ("move_type", "in", CUSTOMER_INVOICE_TYPES),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]

    @api.model
    def _credit_backtest(self, companies, today):
        """The forecast made ``BACKTEST_WEEKS`` weeks ago (on a Monday)
        against what those invoices brought each week since, companies
        added up: ``[{"weeks", "as_of", "forecast", "actual", "mae",
        "share"}]``. One query per company."""
        first = pf.week_start(today)
        oldest = first - timedelta(weeks=max(BACKTEST_WEEKS))
        ledgers = [
            self._credit_ledger(
                company, oldest - timedelta(days=pf.HISTORY_DAYS), first
            )
            for company in companies
        ]
        results = []
        for weeks in BACKTEST_WEEKS:
            as_of = first - timedelta(weeks=weeks)
            forecast, actual = [0.0] * weeks, [0.0] * weeks
            for ledger in ledgers:
                replay = pf.backtest(ledger, as_of, weeks)
                forecast = [a + b for a, b in zip(forecast, replay[0], strict=True)]
                actual = [a + b for a, b in zip(actual, replay[1], strict=True)]
            mae, share = pf.mean_absolute_error(forecast, actual)
            results.append(
                {
                    "weeks": weeks,
                    "as_of": as_of,
                    "forecast": forecast,
                    "actual": actual,
                    "mae": mae,
                    "share": share,
                }
            )
        return results

    # ------------------------------------------------------------------
    # The dashboard
    # ------------------------------------------------------------------

    @api.model
    def _credit_dashboard_chart(self, companies, today, currency):
        """The dashboard's "Cash-in forecast (13 weeks)": expected and band
        per week, what drives it, and the backtest's error per week (as the
        nightly job stored it)."""
        forecast = self._credit_forecast(companies, today)
        weeks = forecast["weeks"]
        bases = forecast["bases"]
        labels = dict(
            self.env["account.move"]
            ._fields["credit_expected_basis"]
            ._description_selection(self.env)
        )
        drivers = [
            self.env._(
                "%(customer)s: %(amount)s",
                customer=partner.display_name,
                amount=format_amount(self.env, amount, currency),
            )
            for partner, amount in forecast["customers"]
        ] + [
            self.env._(
                "%(basis)s: %(amount)s",
                basis=labels[basis],
                amount=format_amount(self.env, bases[basis], currency),
            )
            for basis in ("promise", "plan")
            if bases.get(basis)
        ]
        if forecast["doubtful"]:
            drivers.append(
                self.env._(
                    "Doubtful, left out: %(amount)s",
                    amount=format_amount(self.env, forecast["doubtful"], currency),
                )
            )
        backtest = [
            self.env._(
                "Made %(weeks)s weeks ago: off by %(mae)s a week on average "
                "(%(share)s of what came in).",
                weeks=result["weeks"],
                mae=format_amount(self.env, result["mae"], currency),
                share=(
                    f"{formatLang(self.env, result['share'] * 100, digits=0)} %"
                    if result["share"] is not None
                    else "-"
                ),
            )
            for result in self._credit_stored_backtest(companies)
        ]
        return {
            "title": self.env._("Cash-in forecast (13 weeks)"),
            "labels": [format_date(self.env, week["start"]) for week in weeks],
            "amount": [week["amount"] for week in weeks],
            "low": [week["low"] for week in weeks],
            "high": [week["high"] for week in weeks],
            "amount_label": self.env._("Expected"),
            "low_label": self.env._("Low"),
            "high_label": self.env._("High"),
            "drivers_title": self.env._("What drives it"),
            "drivers": drivers,
            "backtest_title": self.env._("Accuracy (backtest)"),
            "backtest": backtest,
            "empty": not any(week["high"] for week in weeks)
            and self.env._("No expected payment in the next 13 weeks."),
        }
