from datetime import timedelta

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools.aging import AGING_BUCKETS, bucket_fields
from .sql_reconciliation import partial_sides

RECEIVABLE = ("asset_receivable",)


class CreditAgedBalance(models.AbstractModel):
    """The aged balance (balance âgée) as of any date, computed by one SQL
    query over the receivable move lines and the partial reconciliations
    dated up to that day: a ledger of any size is aged without loading a
    record, and payments made after the date do not change the past."""

    _name = "credit.aged.balance"
    _description = "Aged Balance Service"

    def init(self):
        # The aged balance of a day reads the partials dated after it.
        create_index(
            self.env.cr,
            "account_partial_reconcile_credit_max_date_index",
            "account_partial_reconcile",
            ["max_date"],
        )

    @api.model
    def _credit_check_companies(self, companies):
        """Raw SQL bypasses record rules: only the companies the user has
        selected (``env.companies``, the ``company_ids`` of the record rules;
        a branch only when it is selected too) may be aged."""
        if not companies:
            raise UserError(self.env._("Select at least one company."))
        if not self.env.su:
            foreign = companies - self.env.companies
            if foreign:
                raise AccessError(
                    self.env._(
                        "You are not allowed to see the receivables of %(companies)s.",
                        companies=", ".join(foreign.sudo().mapped("name")),
                    )
                )

    @api.model
    def _credit_partner_filter(self, companies, filters):
        """SQL condition on ``aml`` keeping the lines of the customers that
        match the filters in the line's company (collector, grade and
        scenario are per company), or TRUE."""
        company_key = SQL("company.id::text")
        conditions = []
        if filters.get("partner_ids"):
            conditions.append(SQL("cp.id IN %s", tuple(filters["partner_ids"])))
        # Company-dependent fields: a JSON object keyed by company id.
        for key, column in (
            ("collector_ids", "credit_collector_id"),
            ("grade_ids", "credit_risk_grade_id"),
        ):
            if filters.get(key):
                conditions.append(
                    SQL(
                        "(%s ->> %s)::int IN %s",
                        SQL.identifier("cp", column),
                        company_key,
                        tuple(filters[key]),
                    )
                )
        if filters.get("scenario_ids"):
            # The engine's own choice of scenario.
            conditions.append(
                SQL(
                    """(company.id, cp.id) IN (
                        SELECT company_id, partner_id FROM (%s) AS resolved
                         WHERE scenario_id IN %s)""",
                    self.env["credit.dunning.scenario"]._credit_resolution_query(
                        companies
                    ),
                    tuple(filters["scenario_ids"]),
                )
            )
        if filters.get("salesperson_ids"):
            conditions.append(
                SQL("cp.user_id IN %s", tuple(filters["salesperson_ids"]))
            )
        if not conditions:
            return SQL("TRUE")
        return SQL(
            """(aml.company_id, aml.partner_id) IN (
                SELECT company.id, p.id
                  FROM res_company company
            CROSS JOIN res_partner p
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 WHERE company.id IN %s AND %s)""",
            tuple(companies.ids),
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _credit_line_filter(self, as_of, companies, filters, account_types=RECEIVABLE):
        """Posted receivable lines (or of ``account_types``) of ``companies``
        dated by ``as_of``. The accounts are given by id: the planner then
        estimates the lines well and drives the joins from the few recent
        partials."""
        accounts = (
            self.env["account.account"]
            .sudo()
            ._search([("account_type", "in", account_types)])
        )
        return SQL(
            """aml.parent_state = 'posted'
               AND aml.account_id IN %(accounts)s
               AND aml.company_id IN %(companies)s
               AND aml.date <= %(as_of)s
               AND %(partners)s""",
            accounts=tuple(accounts) or (0,),
            companies=tuple(companies.ids),
            as_of=as_of,
            partners=self._credit_partner_filter(companies, filters or {}),
        )

    @api.model
    def _credit_aged_lines_query(
        self, as_of, companies, filters=None, account_types=RECEIVABLE
    ):
        """One row per receivable line (or of ``account_types``: the payables
        of the payment-terms disclosure) open on ``as_of``: id, move, company,
        partner (as on the line), date, due date and residual in company
        currency as it stood that day (credit notes and unapplied payments
        negative).

        The residual of a day is today's stored residual with the partial
        reconciliations dated after that day undone: those are few, so only
        the open lines and the lines they touch are read, never the whole
        reconciled history."""
        where = self._credit_line_filter(as_of, companies, filters, account_types)
        columns = SQL(
            "aml.id AS line_id, aml.move_id, aml.company_id, aml.partner_id,"
            " %s - COALESCE(aml.date_maturity, aml.date) AS age",
            as_of,
        )
        return SQL(
            """
            WITH later AS (
                SELECT line_id, SUM(amount) AS amount
                  FROM (%(later)s) AS sides
              GROUP BY line_id
            )
            SELECT * FROM (
                SELECT %(columns)s,
                       aml.amount_residual + COALESCE(later.amount, 0) AS residual
                  FROM account_move_line aml
             LEFT JOIN later ON later.line_id = aml.id
                 WHERE aml.reconciled IS NOT TRUE AND %(where)s
             UNION ALL
                SELECT %(columns)s, aml.amount_residual + later.amount
                  FROM later
                  JOIN account_move_line aml ON aml.id = later.line_id
                 WHERE aml.reconciled AND %(where)s
            ) AS open_lines
             WHERE residual <> 0
            """,
            later=partial_sides(companies.ids, as_of + timedelta(days=1)),
            columns=columns,
            where=where,
        )

    @api.model
    def _credit_aged_amounts_query(self, as_of, companies, filters=None):
        """Rows (company, partner, age, amount) whose sums per line are the
        residuals on ``as_of``: the open lines' stored residual, plus back
        each partial dated after that day on its debit line, minus on its
        credit line. Summed per customer and bucket without grouping per
        line first: one pass over the open lines and the recent partials."""
        where = self._credit_line_filter(as_of, companies, filters)
        columns = SQL(
            "aml.company_id, aml.partner_id,"
            " %s - COALESCE(aml.date_maturity, aml.date) AS age",
            as_of,
        )
        return SQL(
            """
            WITH later AS MATERIALIZED (%(later)s)
            SELECT %(columns)s, aml.amount_residual AS residual
              FROM account_move_line aml
             WHERE aml.reconciled IS NOT TRUE AND %(where)s
         UNION ALL
            SELECT %(columns)s, later.amount
              FROM later
              JOIN account_move_line aml ON aml.id = later.line_id
             WHERE %(where)s
            """,
            columns=columns,
            where=where,
            later=partial_sides(companies.ids, as_of + timedelta(days=1)),
        )

    @api.model
    def _credit_aged_partner_query(self, as_of, companies, filters=None):
        """The aged balance per company and commercial partner: one row with
        each bucket, the overdue part and the total, and the customer's
        collector, grade and salesperson in that company. Amounts are summed
        per partner first, so the customers are joined once each."""
        buckets = []
        for suffix, first, last, _label in AGING_BUCKETS:
            bounds = []
            if first is not None:
                bounds.append(SQL("age >= %s", first))
            if last is not None:
                bounds.append(SQL("age <= %s", last))
            buckets.append(
                SQL(
                    "COALESCE(SUM(residual) FILTER (WHERE %s), 0) AS %s",
                    SQL(" AND ").join(bounds),
                    SQL.identifier(f"amount_{suffix}"),
                )
            )
        sums = [
            SQL("SUM(per_partner.%s) AS %s", SQL.identifier(name), SQL.identifier(name))
            for name in [name for name, _label in bucket_fields()]
            + ["amount_overdue", "amount_total"]
        ]
        company_key = SQL("per_partner.company_id::text")
        return SQL(
            """
            SELECT per_partner.company_id, cp.id AS partner_id,
                   (cp.credit_collector_id ->> %(key)s)::int AS collector_id,
                   (cp.credit_risk_grade_id ->> %(key)s)::int AS grade_id,
                   cp.user_id AS salesperson_id,
                   %(sums)s
              FROM (
                    SELECT company_id, partner_id, %(buckets)s,
                           COALESCE(SUM(residual) FILTER (WHERE age > 0), 0)
                               AS amount_overdue,
                           SUM(residual) AS amount_total
                      FROM (%(amounts)s) AS aged
                  GROUP BY company_id, partner_id
                   ) AS per_partner
              JOIN res_partner p ON p.id = per_partner.partner_id
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
          GROUP BY per_partner.company_id, cp.id
            HAVING %(nonzero)s
            """,
            key=company_key,
            sums=SQL(", ").join(sums),
            buckets=SQL(", ").join(buckets),
            amounts=self._credit_aged_amounts_query(as_of, companies, filters),
            nonzero=SQL(" OR ").join(
                SQL("SUM(per_partner.%s) <> 0", SQL.identifier(name))
                for name, _label in bucket_fields()
            ),
        )

    @api.model
    def _credit_aged_balance(self, as_of, companies, filters=None):
        """The aged balance as a list of dicts, one per company and customer,
        amounts rounded with the company currency. ``filters`` may hold
        partner_ids, collector_ids, grade_ids, scenario_ids, salesperson_ids."""
        self._credit_check_companies(companies)
        self._credit_flush()
        rows = self.env.execute_query_dict(
            self._credit_aged_partner_query(as_of, companies, filters)
        )
        currencies = {company.id: company.currency_id for company in companies}
        amount_keys = [name for name, _label in bucket_fields()]
        amount_keys += ["amount_overdue", "amount_total"]
        for row in rows:
            currency = currencies[row["company_id"]]
            for key in amount_keys:
                row[key] = currency.round(float(row[key]))
        return rows

    @api.model
    def _credit_aged_move_line_ids(self, as_of, companies, partner_ids):
        """Ids of the receivable lines of those customers open on ``as_of``:
        the drill-down from an aged balance row to its invoices."""
        self._credit_check_companies(companies)
        self._credit_flush()
        rows = self.env.execute_query(
            SQL(
                "SELECT line_id FROM (%s) AS aged",
                self._credit_aged_lines_query(
                    as_of, companies, {"partner_ids": partner_ids}
                ),
            )
        )
        return [line_id for (line_id,) in rows]

    @api.model
    def _credit_flush(self):
        self.env["account.move.line"].flush_model(
            ["account_id", "amount_residual", "company_id", "date", "date_maturity"]
            + ["parent_state", "partner_id", "move_id", "reconciled"]
        )
        self.env["account.partial.reconcile"].flush_model()
        self.env["res.partner"].flush_model(
            ["commercial_partner_id", "credit_collector_id", "credit_risk_grade_id"]
            + ["credit_scenario_id", "user_id"]
        )
        self.env["res.partner"].flush_model(["category_id"])
        self.env["credit.risk.grade"].flush_model(["scenario_id"])
        self.env["credit.dunning.scenario"].flush_model(
            ["active", "company_id", "partner_category_ids", "sequence"]
        )
        self.env["res.company"].flush_model(["credit_default_scenario_id"])
