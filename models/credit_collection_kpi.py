from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from ..tools.dso import dso_countback, dso_simple
from ..tools.receivable import CUSTOMER_INVOICE_TYPES
from .sql_reconciliation import last_reconciliation_dates, partial_sides


class CreditCollectionKpi(models.AbstractModel):
    """The collection indicators (DSO, days to pay, recovery, promises,
    disputes, cost, what each dunning step recovers), each computed by a
    fixed number of SQL queries whatever the size of the ledger."""

    _name = "credit.collection.kpi"
    _description = "Collection Indicators"

    @api.model
    def _credit_receivable_filter(self):
        """Posted lines of receivable accounts, given by id for the planner."""
        accounts = (
            self.env["account.account"]
            .sudo()
            ._search([("account_type", "=", "asset_receivable")])
        )
        return SQL(
            "aml.account_id IN %s AND aml.parent_state = 'posted'",
            tuple(accounts) or (0,),
        )

    @api.model
    def _credit_partner_filter(self, partner_ids):
        if not partner_ids:
            return SQL("TRUE")
        return SQL(
            "aml.partner_id IN (SELECT id FROM res_partner"
            " WHERE commercial_partner_id IN %s)",
            tuple(partner_ids),
        )

    @api.model
    def _credit_month_windows(self, as_of, months):
        """Calendar months ending with the month of ``as_of`` (cut at that
        day), latest first: [(first day, last day, days)]."""
        windows = []
        end = as_of
        for _index in range(months):
            start = end.replace(day=1)
            windows.append((start, end, (end - start).days + 1))
            end = start - timedelta(days=1)
        return windows

    # ------------------------------------------------------------------
    # DSO
    # ------------------------------------------------------------------

    @api.model
    def _credit_dso(self, as_of, company, months=3, by_partner=False):
        """DSO on ``as_of`` over the last ``months`` calendar months, by the
        simple and the countback method: {key: {receivable, sales, dso_simple,
        dso_countback}}, key None for the company or a commercial partner id.

        Receivable: the aged balance total (open on that day); sales: the
        receivable side of customer invoices net of credit notes."""
        aged = self.env["credit.aged.balance"]._credit_aged_balance(as_of, company)
        currency = company.currency_id
        receivable = {}
        for row in aged:
            key = row["partner_id"] if by_partner else None
            receivable[key] = receivable.get(key, 0.0) + row["amount_total"]
        windows = self._credit_month_windows(as_of, months)
        first_day = windows[-1][0]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT %(partner)s, date_trunc('month', aml.date)::date, SUM(aml.balance)
              FROM account_move_line aml
              JOIN account_move m ON m.id = aml.move_id
              JOIN res_partner p ON p.id = aml.partner_id
             WHERE %(receivable)s
               AND m.move_type IN ('out_invoice', 'out_refund', 'out_receipt')
               AND aml.company_id = %(company)s
               AND aml.date BETWEEN %(start)s AND %(end)s
          GROUP BY 1, 2
                """,
                partner=SQL("p.commercial_partner_id") if by_partner else SQL("NULL"),
                receivable=self._credit_receivable_filter(),
                company=company.id,
                start=first_day,
                end=as_of,
            )
        )
        sales = {}
        for key, month, amount in rows:
            sales.setdefault(key, {})[month] = float(amount)
        result = {}
        total_days = sum(days for _start, _end, days in windows)
        for key in set(receivable) | set(sales):
            open_amount = receivable.get(key, 0.0)
            monthly = [
                (sales.get(key, {}).get(start, 0.0), days)
                for start, _end, days in windows
            ]
            period_sales = sum(amount for amount, _days in monthly)
            simple = dso_simple(open_amount, period_sales, total_days)
            result[key] = {
                "receivable": currency.round(open_amount),
                "sales": currency.round(period_sales),
                "dso_simple": None if simple is None else round(simple, 1),
                "dso_countback": round(dso_countback(open_amount, monthly), 1),
            }
        return result

    @api.model
    def _credit_dso_history(self, as_of, company, history=12, months=3):
        """Company DSO at the end of each of the last ``history`` months,
        oldest first: [(month end, dso dict)]."""
        result = []
        for index in range(history - 1, -1, -1):
            month_end = as_of + relativedelta(months=-index, day=31)
            month_end = min(month_end, as_of)
            dso = self._credit_dso(month_end, company, months=months)
            result.append((month_end, dso.get(None, {})))
        return result

    # ------------------------------------------------------------------
    # Payment times and recovery
    # ------------------------------------------------------------------

    @api.model
    def _credit_payment_times(self, company, date_from, date_to, by_partner=False):
        """Invoices paid in full during the period: their number, average
        days from invoice to last payment and average days beyond terms:
        {key: (count, avg days to pay, avg days beyond terms)}."""
        self._credit_prepare(company)
        rows = self.env.execute_query(
            SQL(
                """
            WITH paid AS (
                SELECT %(partner)s AS key, aml.date, aml.date_maturity,
                       reconciled.date_paid AS paid_on
                  FROM (%(reconciled)s) AS reconciled
                  JOIN account_move_line aml ON aml.id = reconciled.line_id
                  JOIN account_move m ON m.id = aml.move_id
                  JOIN res_partner p ON p.id = aml.partner_id
                 WHERE %(receivable)s
                   AND m.move_type IN %(invoice_types)s
                   AND aml.balance > 0
                   AND aml.full_reconcile_id IS NOT NULL
                   AND aml.company_id = %(company)s
            )
            SELECT key, COUNT(*), AVG(paid_on - date),
                   AVG(GREATEST(0, paid_on - COALESCE(date_maturity, date)))
              FROM paid
             WHERE paid_on BETWEEN %(start)s AND %(end)s
          GROUP BY key
                """,
                partner=SQL("p.commercial_partner_id") if by_partner else SQL("NULL"),
                reconciled=last_reconciliation_dates(company.ids, date_from),
                invoice_types=CUSTOMER_INVOICE_TYPES,
                receivable=self._credit_receivable_filter(),
                company=company.id,
                start=date_from,
                end=date_to,
            )
        )
        return {
            key: (count, round(float(to_pay), 1), round(float(beyond), 1))
            for key, count, to_pay, beyond in rows
        }

    @api.model
    def _credit_recovery(self, company, date_from, date_to):
        """Recovery rate of the period: collected / due, where due is what
        was open at the start of the period or invoiced during it and fell
        due by its end, and collected what payments (not credit notes)
        settled of it during the period. {due, collected, rate (%)}.

        Open at the start = stored residual with the partials dated since
        then undone, so only open and recently touched lines are read."""
        self._credit_prepare(company)
        [(due, collected)] = self.env.execute_query(
            SQL(
                """
            WITH touched AS (
                SELECT line_id, SUM(amount) AS amount
                  FROM (%(touched)s) AS sides
              GROUP BY line_id
            ),
            due AS (
                SELECT aml.id, aml.amount_residual + COALESCE(t.amount, 0) AS amount
                  FROM account_move_line aml
             LEFT JOIN touched t ON t.line_id = aml.id
                 WHERE aml.reconciled IS NOT TRUE AND %(due_lines)s
             UNION ALL
                SELECT aml.id, aml.amount_residual + t.amount
                  FROM touched t
                  JOIN account_move_line aml ON aml.id = t.line_id
                 WHERE aml.reconciled AND %(due_lines)s
            ),
            collected AS (
                SELECT apr.debit_move_id AS id, SUM(apr.amount) AS amount
                  FROM account_partial_reconcile apr
                  JOIN account_move_line cl ON cl.id = apr.credit_move_id
                  JOIN account_move cm ON cm.id = cl.move_id
                 WHERE apr.max_date BETWEEN %(start)s AND %(end)s
                   AND apr.company_id = %(company)s
                   AND cm.move_type NOT IN ('out_refund', 'out_invoice')
              GROUP BY apr.debit_move_id
            )
            SELECT COALESCE(SUM(due.amount), 0), COALESCE(SUM(collected.amount), 0)
              FROM due
         LEFT JOIN collected ON collected.id = due.id
             WHERE due.amount > 0
                """,
                due_lines=SQL(
                    """%s AND aml.balance > 0 AND aml.company_id = %s
                       AND aml.date <= %s
                       AND COALESCE(aml.date_maturity, aml.date) <= %s""",
                    self._credit_receivable_filter(),
                    company.id,
                    date_to,
                    date_to,
                ),
                touched=partial_sides(company.ids, date_from),
                company=company.id,
                start=date_from,
                end=date_to,
            )
        )
        currency = company.currency_id
        due, collected = currency.round(float(due)), currency.round(float(collected))
        return {
            "due": due,
            "collected": collected,
            "rate": round(collected / due * 100, 2) if due else 0.0,
        }

    # ------------------------------------------------------------------
    # Promises, disputes, cost, recovered per step
    # ------------------------------------------------------------------

    @api.model
    def _credit_promise_stats(self, company, date_from, date_to):
        """Promises falling due in the period: {kept, broken, open, rate (%)},
        rate = kept / (kept + broken)."""
        self._credit_prepare(company)
        groups = self.env["credit.promise"]._read_group(
            [
                ("company_id", "=", company.id),
                ("promise_date", ">=", date_from),
                ("promise_date", "<=", date_to),
            ],
            ["state"],
            ["__count"],
        )
        counts = dict(groups)
        kept, broken = counts.get("kept", 0), counts.get("broken", 0)
        return {
            "kept": kept,
            "broken": broken,
            "open": counts.get("open", 0),
            "rate": round(kept / (kept + broken) * 100, 2) if kept + broken else 0.0,
        }

    @api.model
    def _credit_dispute_stats(self, company, date_from, date_to):
        """Disputes opened in the period against the invoices issued in it
        (rate in %), and the average days to close the disputes closed in it."""
        self._credit_prepare(company)
        [(opened, invoices, closed, days)] = self.env.execute_query(
            SQL(
                """
            SELECT (SELECT COUNT(*) FROM credit_dispute d
                     WHERE d.company_id = %(company)s
                       AND d.create_date::date BETWEEN %(start)s AND %(end)s),
                   (SELECT COUNT(*) FROM account_move m
                     WHERE m.company_id = %(company)s AND m.state = 'posted'
                       AND m.move_type IN %(invoice_types)s
                       AND m.invoice_date BETWEEN %(start)s AND %(end)s),
                   COUNT(*), AVG(d.date_closed - d.create_date::date)
              FROM credit_dispute d
             WHERE d.company_id = %(company)s
               AND d.state = 'resolved'
               AND d.date_closed BETWEEN %(start)s AND %(end)s
                """,
                invoice_types=CUSTOMER_INVOICE_TYPES,
                company=company.id,
                start=date_from,
                end=date_to,
            )
        )
        return {
            "opened": opened,
            "invoices": invoices,
            "rate": round(opened / invoices * 100, 2) if invoices else 0.0,
            "resolved": closed,
            "resolution_days": round(float(days or 0.0), 1),
        }

    @api.model
    def _credit_collection_cost(self, company, date_from, date_to):
        """Notices sent in the period counted per channel, priced with the
        company's unit costs, plus agency and legal hand-offs; the fees
        charged to customers are reported beside (they offset the cost)."""
        self._credit_prepare(company)
        [row] = self.env.execute_query_dict(
            SQL(
                """
            SELECT COUNT(*) AS notices,
                   COUNT(*) FILTER (WHERE lvl.send_email) AS email,
                   COUNT(*) FILTER (WHERE lvl.print_letter) AS letter,
                   COUNT(*) FILTER (WHERE lvl.create_activity) AS call,
                   COUNT(*) FILTER (WHERE lvl.send_sms) AS sms,
                   COUNT(*) FILTER (WHERE lvl.escalation_stage = 'agency') AS agency,
                   COUNT(*) FILTER (WHERE lvl.escalation_stage = 'legal') AS legal,
                   COALESCE(SUM(n.fee_amount), 0) AS fees
              FROM credit_notice n
              JOIN credit_dunning_level lvl ON lvl.id = n.level_id
             WHERE n.company_id = %(company)s
               AND n.state IN ('sent', 'paid')
               AND n.date BETWEEN %(start)s AND %(end)s
                """,
                company=company.id,
                start=date_from,
                end=date_to,
            )
        )
        currency = company.currency_id
        unit = {
            "email": company.credit_cost_email,
            "letter": company.credit_cost_letter,
            "call": company.credit_cost_call,
            "sms": company.credit_cost_sms,
            "agency": company.credit_cost_agency,
            "legal": company.credit_cost_legal,
        }
        cost = currency.round(sum(row[key] * price for key, price in unit.items()))
        row["fees"] = currency.round(float(row["fees"]))
        row["cost"] = cost
        row["net_cost"] = currency.round(cost - row["fees"])
        return row

    @api.model
    def _credit_recovered_by_level(self, company, date_from, date_to):
        """Which step gets paid: each payment of the period on an invoice is
        credited to the last notice sent for that invoice before it.
        [{scenario_id, level_id, amount, invoices}]."""
        self._credit_prepare(company)
        rows = self.env.execute_query_dict(
            SQL(
                """
            SELECT scenario_id, level_id, SUM(amount) AS amount,
                   COUNT(DISTINCT move_id) AS invoices
              FROM (%(recovered)s) AS recovered
             WHERE company_id = %(company)s
               AND date BETWEEN %(start)s AND %(end)s
          GROUP BY scenario_id, level_id
                """,
                recovered=self._credit_recovered_query(),
                company=company.id,
                start=date_from,
                end=date_to,
            )
        )
        for row in rows:
            row["amount"] = company.currency_id.round(float(row["amount"]))
        return rows

    @api.model
    def _credit_recovered_query(self):
        """One row per payment (not credit note) reconciled with an invoice
        that was dunned: the part of the payment applied to it, credited to
        the last notice sent for it on or before the payment, with that
        step's scenario, collector and main channel. The SQL view of
        ``credit.recovery.analysis``; company and date conditions on it
        reach the partial reconciliations' scan."""
        return SQL(
            """
            SELECT apr.id,
                   apr.company_id,
                   company.currency_id,
                   apr.max_date AS date,
                   aml.move_id,
                   COALESCE(p.commercial_partner_id, aml.partner_id) AS partner_id,
                   last.notice_id,
                   lvl.scenario_id,
                   lvl.id AS level_id,
                   last.user_id,
                   CASE WHEN lvl.escalation_stage IS NOT NULL THEN lvl.escalation_stage
                        WHEN lvl.print_letter THEN 'letter'
                        WHEN lvl.create_activity THEN 'call'
                        WHEN lvl.send_sms THEN 'sms'
                        WHEN lvl.send_email THEN 'email'
                        ELSE 'none'
                   END AS channel,
                   apr.amount
              FROM account_partial_reconcile apr
              JOIN res_company company ON company.id = apr.company_id
              JOIN account_move_line aml ON aml.id = apr.debit_move_id
              JOIN account_move_line cl ON cl.id = apr.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
         LEFT JOIN res_partner p ON p.id = aml.partner_id
              JOIN LATERAL (
                    SELECT n.id AS notice_id, n.level_id, n.user_id
                      FROM credit_notice_line nl
                      JOIN credit_notice n ON n.id = nl.notice_id
                     WHERE nl.move_id = aml.move_id
                       AND n.state IN ('sent', 'paid')
                       AND n.date <= apr.max_date
                  ORDER BY n.date DESC, n.id DESC
                     LIMIT 1
                   ) AS last ON TRUE
              JOIN credit_dunning_level lvl ON lvl.id = last.level_id
             WHERE cm.move_type NOT IN ('out_refund', 'out_invoice')
            """
        )

    @api.model
    def _credit_prepare(self, company):
        """Raw SQL bypasses record rules: check the company, then flush."""
        self.env["credit.aged.balance"]._credit_check_companies(company)
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["move_type", "state", "invoice_date"])
        self.env["account.partial.reconcile"].flush_model()
        self.env["credit.notice"].flush_model()
        self.env["credit.notice.line"].flush_model()
        self.env["credit.dispute"].flush_model()
