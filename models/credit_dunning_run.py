import bisect
import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import notify_cron_progress
from ..tools.overdue import days_overdue
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    SETTLED_PAYMENT_STATES,
)
from ..tools.retry import run_retrying
from ..tools.sql_insert import insert_records
from .credit_notice import notice_totals

_logger = logging.getLogger(__name__)


class CreditDunningRun(models.Model):
    """One day's pass of the dunning engine over one company's receivables.

    The record is the run's cursor: the scheduled action handles one batch of
    customers per call, commits, and the cron framework calls it again while
    work remains. Each batch creates its notices and raises the invoices'
    levels in the same transaction, so a crash or a second run never sends a
    step twice: the next pass finds those invoices already at their level."""

    _name = "credit.dunning.run"
    _description = "Dunning Run"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")],
        default="running",
        required=True,
        readonly=True,
    )
    last_partner_id = fields.Integer(
        readonly=True, help="Customers up to this id have been processed."
    )
    partner_count = fields.Integer(string="Customers", readonly=True)
    partner_total = fields.Integer(
        string="Customers to Process",
        compute="_compute_partner_total",
        store=True,
        help="Customers with a receivable that may be due for a step when the "
        "run started.",
    )
    candidate_partner_ids = fields.Json(
        string="Candidate Customers",
        readonly=True,
        copy=False,
        help="Ids of those customers, in order, selected once when the run "
        "started: each batch takes the next ones after the cursor.",
    )
    notice_count = fields.Integer(string="Notices", readonly=True)
    retry_count = fields.Integer(
        string="Batch Retries",
        readonly=True,
        help="Times a batch was tried again after a concurrent edit refused it.",
    )
    deferred_partner_ids = fields.Json(
        string="Deferred Customers",
        readonly=True,
        copy=False,
        help="Customers of batches that still failed: tried once more at the "
        "end of the round.",
    )
    skipped_count = fields.Integer(
        string="Customers Left for Tomorrow",
        readonly=True,
        help="Customers whose batch failed again at the end of the round: the "
        "next day's round takes them.",
    )
    date_done = fields.Datetime(readonly=True)

    @api.depends("candidate_partner_ids")
    def _compute_partner_total(self):
        for run in self:
            run.partner_total = len(run.candidate_partner_ids or [])

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_advance_dunning(self):
        """Process one batch of the current round and report progress.
        Returns the number of customers still to process."""
        runs = self.search([("state", "=", "running")], order="id")
        for run in runs:
            if run.date < fields.Date.context_today(run.with_company(run.company_id)):
                run._credit_finish()  # left over by an interrupted day
        runs = runs.filtered(lambda run: run.state == "running")
        if not runs:
            runs = self._credit_start_round()
        run = runs[:1]
        done = run._credit_process_batch() if run else 0
        remaining = sum(
            run._credit_count_remaining()
            for run in runs.filtered_domain([("state", "=", "running")])
        )
        notify_cron_progress(self.env, done, remaining)
        return remaining

    @api.model
    def _credit_start_round(self):
        """A new run for every company that has none today, after the daily
        housekeeping: broken promises, notices paid in the meantime, levels
        falling back. One round a day: a finished round is not started
        again (tomorrow's round takes what is left)."""
        runs = self.browse()
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        for company in companies:
            date = fields.Date.context_today(self.with_company(company))
            if self.search_count(
                [("company_id", "=", company.id), ("date", "=", date)], limit=1
            ):
                continue
            engine = self.with_company(company).with_context(
                allowed_company_ids=company.ids
            )
            engine._credit_housekeeping(company, date)
            runs |= self.create({"company_id": company.id, "date": date})
        return runs

    @api.model
    def _credit_run_now(self):
        """*Run Dunning Now*: trigger the scheduled action, unless every
        company's round of today is done, which the user is told (a second
        round the same day would find nothing to send)."""
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        done_today = all(
            self.search_count(
                [
                    ("company_id", "=", company.id),
                    (
                        "date",
                        "=",
                        fields.Date.context_today(self.with_company(company)),
                    ),
                    ("state", "=", "done"),
                ],
                limit=1,
            )
            for company in companies
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_dunning_run_action"
        )
        if done_today:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Nothing to run"),
                    "message": self.env._(
                        "Today's dunning round is done; the next one starts "
                        "tomorrow."
                    ),
                    "type": "info",
                    "next": action,
                },
            }
        self.env.ref("credit_collection.ir_cron_advance_dunning")._trigger()
        return action

    def _credit_finish(self):
        self.write({"state": "done", "date_done": fields.Datetime.now()})

    def _credit_count_remaining(self):
        """Customers still to process, from the count taken at the start (no
        query per batch). Never 0 while the run is open: the cron must call
        again to close it."""
        self.ensure_one()
        if self.state != "running":
            return 0
        return max(self.partner_total - self.partner_count, 1)

    def _credit_process_batch(self):
        """One batch of customers: plan their next step, create the notices,
        send the automatic ones. Returns the number of customers handled.

        A batch refused by a concurrent edit is retried (tools/retry.py);
        one that still fails is deferred: the cursor moves on, and its
        customers are tried once more after the last batch; those failing
        again are left for the next day's round."""
        self.ensure_one()
        company = self.company_id
        engine = self.with_company(company).with_context(
            allowed_company_ids=company.ids
        )
        if self.candidate_partner_ids is False:
            candidates = engine._credit_candidate_partner_ids(company, self.date)
            self.candidate_partner_ids = candidates
        candidates = self.candidate_partner_ids or []
        deferred = self.deferred_partner_ids or []
        size = company.credit_dunning_batch_size
        start = bisect.bisect_right(candidates, self.last_partner_id)
        partner_ids = candidates[start : start + size]
        last_pass = not partner_ids
        if last_pass:
            partner_ids = deferred[:size]
            deferred = deferred[size:]
        if not partner_ids:
            self._credit_finish()
            return 0
        date = self.date

        def batch():
            engine._credit_lock_batch(company, partner_ids)
            plans = engine._credit_plan(company, date, partner_ids)
            return engine._credit_create_notices(company, date, plans)

        notices, retries = run_retrying(
            self.env,
            batch,
            f"Dunning batch of {company.name} on {date} "
            f"(customers {min(partner_ids)} to {max(partner_ids)})",
            read_committed=True,
        )
        values = {"retry_count": self.retry_count + retries}
        if not last_pass:
            values["last_partner_id"] = max(partner_ids)
        if notices is None:
            if last_pass:
                values["skipped_count"] = self.skipped_count + len(partner_ids)
            else:
                deferred = deferred + partner_ids
        else:
            values["partner_count"] = self.partner_count + len(partner_ids)
            values["notice_count"] = self.notice_count + len(notices)
        values["deferred_partner_ids"] = deferred
        self.write(values)
        if start + len(partner_ids) >= len(candidates) and not deferred:
            self._credit_finish()
        _logger.info(
            "Dunning %s on %s: %s customers, %s notices",
            company.name,
            date,
            len(partner_ids),
            "no" if notices is None else len(notices),
        )
        return len(partner_ids)

    @api.model
    def _credit_lock_batch(self, company, partner_ids):
        """Lock what the batch writes, its customers and their open
        invoices, before reading them: an edit of one of them (a phone
        number, a payment reconciled) then waits for the batch's commit, or
        the batch for the edit's, instead of failing it (the batch runs at
        READ COMMITTED, see tools/retry.py). In id order, as Odoo's writes."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id"
                " FOR NO KEY UPDATE",
                list(partner_ids),
            )
        )
        self.env.cr.execute(
            SQL(
                """SELECT id FROM account_move
                    WHERE commercial_partner_id = ANY(%s) AND company_id = %s
                      AND state = 'posted' AND move_type IN %s
                      AND payment_state IN %s
                    ORDER BY id FOR NO KEY UPDATE""",
                list(partner_ids),
                company.id,
                CUSTOMER_INVOICE_TYPES,
                OPEN_PAYMENT_STATES,
            )
        )

    # ------------------------------------------------------------------
    # Selection (set-based SQL)
    # ------------------------------------------------------------------

    @api.model
    def _credit_horizon(self, company, date):
        """Invoices due after this date cannot reach any level yet (the
        earliest level is the most negative offset)."""
        levels = self.env["credit.dunning.level"].search(
            [("company_id", "in", [company.id, False])], order="days_offset", limit=1
        )
        return date + timedelta(days=max(-levels.days_offset, 0) if levels else 0)

    @api.model
    def _credit_open_items_where(self, company, date):
        return SQL(
            """
            aml.company_id = %(company)s
            AND account.account_type = 'asset_receivable'
            AND aml.parent_state = 'posted'
            AND aml.reconciled IS NOT TRUE
            AND aml.amount_residual > 0
            AND aml.date_maturity <= %(horizon)s
            AND move.move_type IN %(move_types)s
            AND move.payment_state IN %(open_states)s
            """,
            move_types=CUSTOMER_INVOICE_TYPES,
            open_states=OPEN_PAYMENT_STATES,
            company=company.id,
            horizon=self._credit_horizon(company, date),
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
    # Creation
    # ------------------------------------------------------------------

    @api.model
    def _credit_create_notices(self, company, date, plans):
        """Create the planned notices, raise the invoices' and customers'
        levels, send the automatic notices and queue the others."""
        if not plans:
            return self.env["credit.notice"]
        Notice = self.env["credit.notice"]
        names = self.env["ir.sequence"]._credit_next_by_code_batch(
            "credit.notice", company, len(plans)
        )
        # The letters print the customer number: given before, not while
        # they are rendered.
        self.env["res.partner"].union(
            *(plan["partner"] for plan in plans)
        )._credit_assign_customer_numbers()
        notice_rows = []
        for plan, name in zip(plans, names, strict=True):
            partner = plan["partner"]
            level = plan["level"]
            currency = plan["currency"]
            fee = level._credit_fee(currency, company, date)
            notice_rows.append(
                {
                    "name": name,
                    "company_id": company.id,
                    "currency_id": currency.id,
                    "partner_id": partner.id,
                    "contact_id": partner._credit_contact().id,
                    "scenario_id": plan["scenario"].id,
                    "level_id": level.id,
                    "date": date,
                    "payment_deadline": Notice._credit_payment_deadline(date, company),
                    "is_formal_notice": level.is_formal_notice,
                    "state": "draft",
                    "fee_amount": fee,
                    "user_id": partner._credit_collector(level.activity_user_id).id
                    or None,
                    **notice_totals(
                        [
                            (
                                item["residual_currency"],
                                item["days_overdue"],
                                item["residual"],
                            )
                            for item in plan["items"]
                        ],
                        fee,
                        currency,
                    ),
                }
            )
        # The run writes its notices and lines completely itself: one INSERT
        # each per batch instead of create(), which costs milliseconds per
        # record (defaults, related fields, chatter). The notice's chatter
        # gets one note per channel when it goes out.
        notices = insert_records(Notice, notice_rows).with_context(mail_notrack=True)
        insert_records(
            self.env["credit.notice.line"],
            [
                {
                    "notice_id": notice.id,
                    "company_id": company.id,
                    "move_id": item["move_id"],
                    "date_due": item["date_due"],
                    "days_overdue": item["days_overdue"],
                    "level_id": item["target"].id or None,
                    "amount_total": item["amount_total"],
                    "amount_residual": item["residual_currency"],
                    "amount_residual_company": item["residual"],
                    "move_currency_id": item["currency_id"],
                    "amount_residual_currency": item["residual_currency"],
                }
                for notice, plan in zip(notices, plans, strict=True)
                for item in plan["items"]
            ],
            authors=False,  # the notice carries them
        )
        self._credit_record_levels(notices, plans)
        # A notice without collector or reference rate waits for them.
        to_validate = notices.filtered(
            lambda notice: notice.level_id.validation_required
            or notice.send_blocked_reason
        )
        to_validate.write({"state": "to_validate"})
        # Emails are rendered by their own job right after the run.
        (notices - to_validate).with_context(credit_defer_email=True)._credit_execute()
        if notices - to_validate:
            self.env.ref("credit_collection.ir_cron_send_notice_emails")._trigger()
        return notices

    @api.model
    def _credit_record_levels(self, notices, plans):
        """Each listed invoice has now been through its notice's level, and
        each customer is at the highest level of its open invoices: one
        UPDATE of the invoices and one of the customers for the whole batch."""
        move_values = [
            SQL("(%s, %s, %s)", item["move_id"], plan["level"].id, notice.id)
            for notice, plan in zip(notices, plans, strict=True)
            for item in plan["items"]
        ]
        company = notices.company_id[:1]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move
                   SET credit_level_id = data.level_id,
                       credit_last_notice_id = data.notice_id
                  FROM (VALUES %s) AS data(move_id, level_id, notice_id)
                 WHERE move.id = data.move_id
                """,
                SQL(", ").join(move_values),
            )
        )
        # A customer's level is the highest reached by its open invoices in
        # the company. It is company-dependent: a JSON object keyed by
        # company id, where only this company's key changes.
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_level_id = COALESCE(partner.credit_level_id, '{}'::jsonb)
                       || jsonb_build_object(%(company_key)s, data.level_id)
                  FROM (
                        SELECT DISTINCT ON (move.commercial_partner_id)
                               move.commercial_partner_id AS partner_id,
                               level.id AS level_id
                          FROM account_move move
                          JOIN credit_dunning_level level
                            ON level.id = move.credit_level_id
                         WHERE move.commercial_partner_id = ANY(%(partners)s)
                           AND move.company_id = %(company)s
                           AND move.state = 'posted'
                           AND move.payment_state IN %(open_states)s
                         ORDER BY move.commercial_partner_id, level.days_offset DESC
                       ) AS data
                 WHERE partner.id = data.partner_id
                """,
                company_key=str(company.id),
                company=company.id,
                open_states=OPEN_PAYMENT_STATES,
                partners=list({plan["partner"].id for plan in plans}),
            )
        )
        self.env["account.move"].invalidate_model(
            ["credit_level_id", "credit_last_notice_id"]
        )
        self.env["res.partner"].invalidate_model(["credit_level_id"])

    # ------------------------------------------------------------------
    # Housekeeping
    # ------------------------------------------------------------------

    @api.model
    def _credit_housekeeping(self, company, date):
        """What payments and dates changed since yesterday."""
        self.env["credit.promise"].search(
            [("company_id", "=", company.id), ("state", "=", "open")]
        )._credit_check_kept()
        self.env["credit.promise"]._credit_detect_broken(date, company)
        self.env.flush_all()
        settled_notice_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT notice.id FROM credit_notice notice
                     WHERE notice.company_id = %(company)s
                       AND notice.state IN ('to_validate', 'sent')
                       AND NOT EXISTS (
                           SELECT 1 FROM credit_notice_line line
                             JOIN account_move move ON move.id = line.move_id
                            WHERE line.notice_id = notice.id
                              AND move.payment_state NOT IN %(settled)s)
                    """,
                    company=company.id,
                    settled=SETTLED_PAYMENT_STATES,
                )
            )
        ]
        self.env["credit.notice"].browse(
            settled_notice_ids
        )._credit_mark_paid_if_settled()
        leveled = (
            self.env["res.partner"]
            .with_company(company)
            .search([("credit_level_id", "!=", False)])
        )
        leveled._credit_reset_level_if_nothing_due()

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
