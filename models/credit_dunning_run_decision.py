"""What the dunning run decides, creating nothing: the customers and open items
it selects (set-based SQL), the next step of each, and the dry run."""

import bisect
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..tools.overdue import days_overdue
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
)


class CreditDunningRunDecision(models.AbstractModel):
    """Selection and decision of ``credit.dunning.run`` (inherited by it)."""

    _name = "credit.dunning.run.decision"
    _description = "Dunning Run: Selection and Decision"

    # ------------------------------------------------------------------
    # Selection (set-based SQL)
    # ------------------------------------------------------------------

    @api.model
    def _credit_open_items_where(self, company, date):
        """The run's one selection of open items (on ``aml``, its ``move``
        and ``account``): the candidate customers, a batch's open items and
        the invoices it locks are read through it.

        Invoices due after the horizon cannot reach any level yet: the
        horizon is ``date`` plus the earliest level's days before the due
        date (its most negative offset), read in the same statement."""
        self.env["credit.dunning.level"].flush_model(["company_id", "days_offset"])
        return SQL(
            """
            aml.company_id = %(company)s
            AND account.account_type = 'asset_receivable'
            AND aml.parent_state = 'posted'
            AND aml.reconciled IS NOT TRUE
            AND aml.amount_residual > 0
            AND aml.date_maturity <= %(date)s + (
                SELECT GREATEST(-COALESCE(MIN(level.days_offset), 0), 0)
                  FROM credit_dunning_level level
                 WHERE level.company_id = %(company)s OR level.company_id IS NULL)
            AND move.move_type IN %(move_types)s
            AND move.payment_state IN %(open_states)s
            """,
            move_types=CUSTOMER_INVOICE_TYPES,
            open_states=OPEN_PAYMENT_STATES,
            company=company.id,
            date=date,
        )

    @api.model
    def _credit_candidate_partner_ids(self, company, date):
        """The customers with an open receivable that may be due for a step,
        in id order: one query per run (a query per batch would scan the
        open receivables again for every batch)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT move.commercial_partner_id
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_account account ON account.id = aml.account_id
                 WHERE %(where)s
                 ORDER BY move.commercial_partner_id
                """,
                where=self._credit_open_items_where(company, date),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _credit_open_items(self, company, date, partner_ids):
        """The open invoices of these customers, one row per invoice, amounts
        in the invoice currency and in company currency (as booked): one
        query for the whole batch."""
        return self.env.execute_query_dict(
            SQL(
                """
                SELECT move.id AS move_id,
                       move.commercial_partner_id AS partner_id,
                       MIN(aml.date_maturity) AS date_due,
                       SUM(aml.amount_residual) AS residual,
                       SUM(aml.amount_residual_currency) AS residual_currency,
                       move.currency_id AS currency_id,
                       move.amount_total AS amount_total,
                       move.credit_formal_notice_date AS formal_date
                  FROM account_move_line aml
                  JOIN account_move move ON move.id = aml.move_id
                  JOIN account_account account ON account.id = aml.account_id
                 WHERE %(where)s AND move.commercial_partner_id = ANY(%(partners)s)
                 GROUP BY move.id
                 ORDER BY move.commercial_partner_id, MIN(aml.date_maturity), move.id
                """,
                where=self._credit_open_items_where(company, date),
                partners=list(partner_ids),
            )
        )

    @api.model
    def _credit_dunning_history(self, company, move_ids):
        """What the notices already did for these invoices, one query for the
        batch: {move id: dict(sent_offset, last_date, pending, formal_sent)}.
        ``sent_offset`` is the offset of the highest level actually sent
        (sent or paid notices), ``last_date`` the day of the latest step
        sent or cancelled (the wait before the next step counts from it),
        ``pending`` whether a notice listing it still waits (draft, to
        validate, failed)."""
        if not move_ids:
            return {}
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT line.move_id,
                       MAX(level.days_offset) FILTER (
                           WHERE notice.state IN ('sent', 'paid')) AS sent_offset,
                       MAX(COALESCE(notice.sent_date::date, notice.date)) FILTER (
                           WHERE notice.state IN ('sent', 'paid', 'cancelled')
                       ) AS last_date,
                       BOOL_OR(notice.state IN ('draft', 'to_validate', 'failed'))
                           AS pending,
                       BOOL_OR(notice.is_formal_notice
                               AND notice.state IN ('sent', 'paid')) AS formal_sent
                  FROM credit_notice_line line
                  JOIN credit_notice notice ON notice.id = line.notice_id
                  JOIN credit_dunning_level level ON level.id = notice.level_id
                 WHERE line.move_id = ANY(%(moves)s)
                   AND notice.company_id = %(company)s
                 GROUP BY line.move_id
                """,
                moves=list(move_ids),
                company=company.id,
            )
        )
        return {row.pop("move_id"): row for row in rows}

    # ------------------------------------------------------------------
    # Decision
    # ------------------------------------------------------------------

    @api.model
    def _credit_plan(self, company, date, partner_ids):
        """Decide each customer's next step on ``date``, without writing
        anything (the dry run uses it as is). Returns a list of plans:
        dicts with partner, currency, scenario, level and items (invoice
        rows). Pure Python over the batch's rows: the pauses, scenarios and
        history are read for the whole batch."""
        rows = self._credit_open_items(company, date, partner_ids)
        moves = self.env["account.move"].browse([row["move_id"] for row in rows])
        paused_moves = moves._credit_paused_move_ids(date)
        history = self._credit_dunning_history(company, moves.ids)
        partners = self.env["res.partner"].browse(partner_ids).with_company(company)
        scenarios = partners._credit_resolve_scenarios(company)
        currencies = self.env["res.currency"].browse(
            {row["currency_id"] for row in rows}
        )
        ladders = {}  # scenario -> levels, lowest offset first
        sending_days = {}
        items_by_partner = defaultdict(list)
        for row in rows:
            if row["move_id"] in paused_moves:
                continue
            row["days_overdue"] = days_overdue(row["date_due"], date)
            past = history.get(row["move_id"], {})
            row["sent_offset"] = past.get("sent_offset")
            row["last_date"] = past.get("last_date")
            row["pending"] = bool(past.get("pending"))
            row["formal"] = bool(row["formal_date"] or past.get("formal_sent"))
            items_by_partner[row["partner_id"]].append(row)

        plans = []
        for partner in partners:
            scenario = scenarios.get(partner.id)
            items = items_by_partner.get(partner.id)
            if not (scenario and scenario.level_ids and items):
                continue
            if partner.credit_excluded or (
                partner.credit_paused_until and partner.credit_paused_until >= date
            ):
                continue
            if scenario not in sending_days:
                sending_days[scenario] = scenario._credit_can_send_on(date, company)
            if not sending_days[scenario]:
                continue
            if scenario not in ladders:
                levels = list(scenario.level_ids.sorted("days_offset"))
                ladders[scenario] = (levels, [level.days_offset for level in levels])
            ladder = ladders[scenario]
            for item in items:
                item["target"] = self._credit_target_level(ladder, item)
            # One notice per customer and currency (or per invoice): each
            # letter states its amounts in one currency.
            if scenario.notice_grouping == "invoice":
                units = [[item] for item in items]
            else:
                by_currency = defaultdict(list)
                for item in items:
                    by_currency[item["currency_id"]].append(item)
                units = list(by_currency.values())
            for unit in units:
                step = self._credit_next_step(ladder, unit, date)
                if not step:
                    continue
                level, listed = step
                amount = sum(item["residual"] for item in listed)
                if (
                    company.currency_id.compare_amounts(amount, scenario.minimum_amount)
                    < 0
                ):
                    continue
                plans.append(
                    {
                        "partner": partner,
                        "currency": currencies.browse(listed[0]["currency_id"]),
                        "scenario": scenario,
                        "level": level,
                        "items": listed,
                    }
                )
        return plans

    @api.model
    def _credit_target_level(self, ladder, item):
        """The level an invoice's age reaches by itself (its offset passed);
        reminders meant for before the due date do not apply to an invoice
        already overdue."""
        levels, offsets = ladder
        rank = bisect.bisect_right(offsets, item["days_overdue"]) - 1
        if rank < 0 or (item["days_overdue"] > 0 and offsets[rank] < 0):
            return self.env["credit.dunning.level"]
        return levels[rank]

    @api.model
    def _credit_next_step(self, ladder, items, date):
        """The step the invoices ``items`` (one customer's in one currency,
        or one invoice) take today, as ``(level, listed items)``, or None;
        ``ladder`` is the scenario's ``(levels, offsets)``, lowest first.

        Never more than one step above the last level actually sent for
        them, and only once the previous step is the level's minimum days
        old; nothing while one of their notices waits for a controller. An
        overdue invoice starts at the first level after the due date
        (courtesy reminders are for invoices not yet due) and only overdue
        invoices are listed: an invoice not yet due is never in the amount
        due now. A hand-off level lists only invoices that had a formal
        notice, and waits when none had."""
        if any(item["pending"] for item in items):
            return None
        levels, offsets = ladder
        overdue = [item for item in items if item["days_overdue"] > 0]
        if overdue:
            first = next(
                (rank for rank, offset in enumerate(offsets) if offset >= 0), None
            )
            if first is None:
                return None
        else:
            first = 0
        sent = [
            item["sent_offset"] for item in items if item["sent_offset"] is not None
        ]
        # The rank in this ladder of the highest level sent (a level of an
        # earlier scenario counts as the last level of this one it passes).
        sent_rank = bisect.bisect_right(offsets, max(sent)) - 1 if sent else -1
        rank = max(sent_rank + 1, first)
        if rank >= len(levels):
            return None
        level = levels[rank]
        pool = overdue or items
        if max(item["days_overdue"] for item in pool) < level.days_offset:
            return None
        last = max(
            (item["last_date"] for item in items if item["last_date"]), default=None
        )
        if last and (date - last).days < level.min_days_after_previous:
            return None
        listed = (
            overdue
            if overdue
            else [item for item in items if item["days_overdue"] >= level.days_offset]
        )
        if level.escalation_stage and not level.is_formal_notice:
            listed = [item for item in listed if item["formal"]]
        return (level, listed) if listed else None

    # ------------------------------------------------------------------
    # Dry run
    # ------------------------------------------------------------------

    @api.model
    def _credit_preview(self, company, date):
        """What a run on ``date`` would send, creating nothing."""
        engine = self.with_company(company).with_context(
            allowed_company_ids=company.ids
        )
        candidates = engine._credit_candidate_partner_ids(company, date)
        batch = company.credit_dunning_batch_size
        plans = []
        for start in range(0, len(candidates), batch):
            plans.extend(
                engine._credit_plan(company, date, candidates[start : start + batch])
            )
        return plans
