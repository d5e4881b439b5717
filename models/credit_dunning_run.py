import bisect
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import notify_cron_progress
from ..tools.notice_totals import notice_totals
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    SETTLED_PAYMENT_STATES,
)
from .batch_retry import run_retrying
from .sql_insert import insert_records

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
    # What the run selects and decides (creating nothing) is its own file.
    _inherit = ["credit.dunning.run.decision"]
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

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------

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

        A batch refused by a concurrent edit is retried (models/batch_retry.py);
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
            engine._credit_lock_batch(company, date, partner_ids)
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
    def _credit_lock_batch(self, company, date, partner_ids):
        """Lock what the batch writes, its customers and their open invoices,
        before reading them: an edit of one of them (a phone number, a
        payment reconciled) then waits for the batch's commit, or the batch
        for the edit's, instead of failing it (the batch runs at READ
        COMMITTED, see models/batch_retry.py). In id order, as Odoo's writes.

        The invoices locked are a superset of the open items the batch then
        reads (``_credit_open_items_where`` adds the receivable lines'
        residual and the horizon): found through the index on the invoices'
        customer, where selecting exactly those items scans the company's
        open lines once per batch (8 ms against 120 ms for 200 customers at
        the medium size, bench/README.md)."""
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
                    WHERE commercial_partner_id = ANY(%(partners)s)
                      AND company_id = %(company)s
                      AND state = 'posted'
                      AND move_type IN %(move_types)s
                      AND payment_state IN %(open_states)s
                    ORDER BY id FOR NO KEY UPDATE""",
                partners=list(partner_ids),
                company=company.id,
                move_types=CUSTOMER_INVOICE_TYPES,
                open_states=OPEN_PAYMENT_STATES,
            )
        )

    # ------------------------------------------------------------------
    # Creation (set-based)
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
                        currency.round,
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
        # the company.
        self.env["credit.dunning.level"]._credit_set_partner_levels(
            company,
            SQL(
                """
                SELECT DISTINCT ON (move.commercial_partner_id)
                       move.commercial_partner_id, level.id
                  FROM account_move move
                  JOIN credit_dunning_level level
                    ON level.id = move.credit_level_id
                 WHERE move.commercial_partner_id = ANY(%(partners)s)
                   AND move.company_id = %(company)s
                   AND move.state = 'posted'
                   AND move.payment_state IN %(open_states)s
                 ORDER BY move.commercial_partner_id, level.days_offset DESC
                """,
                company=company.id,
                open_states=OPEN_PAYMENT_STATES,
                partners=list({plan["partner"].id for plan in plans}),
            ),
        )
        self.env["account.move"].invalidate_model(
            ["credit_level_id", "credit_last_notice_id"]
        )

    # ------------------------------------------------------------------
    # Housekeeping
    # ------------------------------------------------------------------

    @api.model
    def _credit_housekeeping(self, company, date):
        """What payments and dates changed since yesterday: the settlement
        of reconciliation (``account.move._credit_close_settled``) over the
        company's records, then the promises broken by the date."""
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
        self.env["account.move"]._credit_close_settled(
            promises=self.env["credit.promise"].search(
                [("company_id", "=", company.id), ("state", "=", "open")]
            ),
            notices=self.env["credit.notice"].browse(settled_notice_ids),
            partners=self.env["res.partner"]
            .with_company(company)
            .search([("credit_level_id", "!=", False)]),
            companies=company,
        )
        self.env["credit.promise"]._credit_detect_broken(date, company)
