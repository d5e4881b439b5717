import logging
import time as time_module
from collections import defaultdict
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..compat import when_registry_loaded
from .credit_demo_ledger import REPLAY_DAYS

_logger = logging.getLogger(__name__)

# What the customers and the collections user do during the replayed days,
# besides the ledger's payments. Days are counted back from the install day;
# an invoice is named by its customer and its age on the install day (as in
# DEMO_LEDGER).
# Promises: (day made, customer, invoice age, days until the promised date);
# the kept one is paid on its date by the ledger, the broken one is not.
DEMO_PROMISES = [
    (-19, "partner_ghra_demo", 45, 4),
    (-11, "partner_garage_mercier_demo", 20, 5),
]
# Disputes: (day opened, customer, invoice age, reason).
DEMO_DISPUTES = [
    (-60, "partner_hotel_alpes_demo", 75, "quality"),
]
# Payment plans: (day agreed, customer, invoice age, installments, days until
# the first one, installments the customer pays on their due date). Roux
# keeps its plan; Claire Bernard pays the first installment only, so her plan
# breaks after the grace period.
DEMO_PLANS = [
    (-30, "partner_imprimerie_roux_demo", 90, 3, 10, 1),
    (-55, "partner_claire_bernard_demo", 75, 3, 10, 1),
]
# Customers whose hand-off to collection the collections user approves; the
# others wait in To Validate for the manager.
HANDOFF_APPROVED = ("partner_btp_fontaine_demo",)
# Days a notice to validate waits before the collections user validates it,
# a call task before she makes the call, a letter before she prints it: the
# install day finds the last two weeks' calls and letters waiting, whatever
# its weekday (the send window skips weekends).
VALIDATION_DELAY = 2
CALL_DELAY = 14
PRINT_DELAY = 14
# Months of snapshots before the replayed days (the aged balance is as of
# any date).
SNAPSHOT_MONTHS_BEFORE = 3


class CreditDemoReplay(models.AbstractModel):
    """Replays the demo company's last days through the real engine, one
    day after the other on the frozen clock: the daily run and its email
    job, payments, promises, a dispute, payment plans, the collections
    user's validations, calls and printing, risk scores and monthly
    snapshots. The first login then finds a collection under way."""

    _name = "credit.demo.replay"
    _description = "Credit & Collections Demo Replay"

    @api.model
    @when_registry_loaded
    def _credit_demo_replay(self, company_id):
        try:
            from freezegun import freeze_time
        except ImportError:
            _logger.info("freezegun is not installed: the demo history is not replayed")
            return
        company = self.env["res.company"].browse(company_id)
        Run = self.env["credit.dunning.run"]
        if Run.search_count([("company_id", "=", company.id)], limit=1):
            return  # replayed at install; an upgrade loads the demo again
        controller = self.env.ref("credit_collection.user_credit_controller_demo")
        # The module's French texts are loaded after its demo data: load them
        # now, so that the replay's emails, letters and chatter are French.
        self.env["ir.module.module"]._load_module_terms(
            ["credit_collection"], [controller.lang]
        )
        # Notifications queued, never sent on the spot (see the end).
        self = self.with_company(company).with_context(
            allowed_company_ids=company.ids,
            lang=controller.lang,
            mail_notify_force_send=False,
        )
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        first_day = today - timedelta(days=REPLAY_DAYS)
        self._credit_demo_snapshots_before(company, first_day)
        events = self._credit_demo_events(company, today, first_day)
        last_mail = self.env["mail.mail"].sudo().search([], order="id desc", limit=1)
        started = time_module.process_time()
        # Mid-morning (never later than now): chatter and sending times look
        # as in real life.
        with freeze_time(datetime.combine(first_day, time(8))) as clock:
            for offset in range(REPLAY_DAYS + 1):
                day = first_day + timedelta(days=offset)
                clock.move_to(min(datetime.combine(day, time(8)), now))
                self._credit_demo_day(company, day, events)
            self._credit_demo_compute_risk(company, today)
        self._credit_demo_mark_mails_sent(last_mail.id)
        self._credit_demo_letters_stored_later(company)
        _logger.info(
            "Demo replay of %s days: %.1f s of CPU, notices %s",
            REPLAY_DAYS,
            time_module.process_time() - started,
            self._credit_demo_summary(company),
        )

    # ------------------------------------------------------------------
    # The story
    # ------------------------------------------------------------------

    @api.model
    def _credit_demo_invoice(self, company, partner_xmlid, age, today):
        partner = self.env.ref(f"credit_collection.{partner_xmlid}")
        return self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("partner_id", "=", partner.id),
                ("invoice_date_due", "=", today - timedelta(days=age)),
            ],
            limit=1,
        )

    @api.model
    def _credit_demo_events(self, company, today, first_day):
        """{day: [(kind, invoice, values)]}: the ledger's payments received
        during the replay, then the promises, disputes and plans."""
        ledger = self.env["credit.demo.ledger"]
        events = defaultdict(list)
        for (
            partner,
            _currency,
            due_date,
            _amount,
            settlement,
        ) in ledger._credit_demo_specs(company, today):
            if not settlement or settlement[0] not in ("paid", "partial"):
                continue
            payment_date = due_date + timedelta(days=settlement[-1])
            if payment_date < first_day:
                continue
            share = 1.0 if settlement[0] == "paid" else settlement[1]
            invoice = self.env["account.move"].search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("move_type", "=", "out_invoice"),
                    ("invoice_date_due", "=", due_date),
                ],
                limit=1,
            )
            amount = invoice.currency_id.round(invoice.amount_total * share)
            events[payment_date].append(("pay", invoice, {"amount": amount}))
        for day, partner_xmlid, age, delay in DEMO_PROMISES:
            invoice = self._credit_demo_invoice(company, partner_xmlid, age, today)
            events[today + timedelta(days=day)].append(
                ("promise", invoice, {"delay": delay})
            )
        for day, partner_xmlid, age, reason in DEMO_DISPUTES:
            invoice = self._credit_demo_invoice(company, partner_xmlid, age, today)
            events[today + timedelta(days=day)].append(
                ("dispute", invoice, {"reason": reason})
            )
        for day, partner_xmlid, age, count, delay, paid in DEMO_PLANS:
            invoice = self._credit_demo_invoice(company, partner_xmlid, age, today)
            events[today + timedelta(days=day)].append(
                ("plan", invoice, {"count": count, "delay": delay, "paid": paid})
            )
        return events

    @api.model
    def _credit_demo_day(self, company, day, events):
        """One day: the bank's payments in the morning, the scheduled
        actions, then the customers' calls and the collections user's work."""
        controller = self.env.ref("credit_collection.user_credit_controller_demo")
        todo = events.get(day, [])
        for kind, invoice, values in todo:
            if kind == "pay":
                amount = min(values["amount"], invoice.amount_residual)
                self.env["credit.demo.ledger"]._credit_demo_pay(invoice, amount, day)
        if day.day == 1:
            self.env["credit.collection.snapshot"].sudo()._credit_take_snapshot(
                company, day - timedelta(days=1)
            )
            self._credit_demo_compute_risk(company, day)
        self.env["credit.payment.plan"].sudo()._credit_break_overdue_plans(day)
        Run = self.env["credit.dunning.run"].sudo()
        Run._credit_housekeeping(company, day)
        run = Run.create({"company_id": company.id, "date": day})
        while run.state == "running":
            run._credit_process_batch()
        # The replayed days are one transaction: no jobs (credit.job.dispatch).
        Notice = (
            self.env["credit.notice"].sudo().with_context(credit_job_dispatch=False)
        )
        while Notice._cron_send_pending_emails():
            pass
        as_controller = self.with_user(controller)
        for kind, invoice, values in todo:
            if kind == "promise":
                as_controller._credit_demo_promise(invoice, day, values["delay"])
            elif kind == "dispute":
                as_controller._credit_demo_dispute(invoice, values["reason"])
            elif kind == "plan":
                as_controller._credit_demo_plan(invoice, day, values, events)
        as_controller._credit_demo_collections_work(company, day)

    @api.model
    def _credit_demo_promise(self, invoice, day, delay):
        self.env["credit.promise"].create(
            {
                "company_id": invoice.company_id.id,
                "partner_id": invoice.commercial_partner_id.id,
                "move_ids": [fields.Command.set(invoice.ids)],
                "amount": invoice.amount_residual,
                "promise_date": day + timedelta(days=delay),
                "note": self.env._("Promised on the phone."),
            }
        )

    @api.model
    def _credit_demo_dispute(self, invoice, reason):
        self.env["credit.dispute"].create(
            {
                "move_id": invoice.id,
                "reason": reason,
                "description": self.env._(
                    "Part of the delivery arrived damaged: the customer asks "
                    "for a credit note before paying."
                ),
            }
        )

    @api.model
    def _credit_demo_plan(self, invoice, day, values, events):
        """A monthly plan agreed with the customer and activated; the
        installments the customer pays are added to the events."""
        plan = self.env["credit.payment.plan"]._credit_create_plan(
            invoice.commercial_partner_id,
            invoice,
            {
                "first_date": day + timedelta(days=values["delay"]),
                "frequency": "monthly",
                "installment_count": values["count"],
            },
        )
        plan.action_activate()
        installments = plan.installment_ids.sorted("sequence")
        for installment in installments[: values["paid"]]:
            events[installment.date_due].append(
                ("pay", invoice, {"amount": installment.amount})
            )

    @api.model
    def _credit_demo_collections_work(self, company, day):
        """The collections user validates the notices waiting for her (the
        hand-offs she may approve), makes the calls and prints the letters,
        each some days late."""
        Notice = self.env["credit.notice"]
        approved = self.env["res.partner"].browse(
            self.env.ref(f"credit_collection.{xmlid}").id for xmlid in HANDOFF_APPROVED
        )
        waiting = Notice.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "to_validate"),
                ("date", "<=", day - timedelta(days=VALIDATION_DELAY)),
            ]
        ).filtered(
            lambda notice: not notice.send_blocked_reason
            and (not notice.level_id.escalation_stage or notice.partner_id in approved)
        )
        if waiting:
            waiting.action_validate()
        calls = self.env["mail.activity"].search(
            [
                ("res_model", "=", "credit.notice"),
                ("activity_type_id.category", "=", "phonecall"),
                ("date_deadline", "<=", day - timedelta(days=CALL_DELAY)),
            ]
        )
        for call in calls:
            call.action_feedback(
                feedback=self.env._("Reached the accounts department.")
            )
        letters = Notice.search(
            [
                ("company_id", "=", company.id),
                ("letter_to_print", "=", True),
                ("date", "<=", day - timedelta(days=PRINT_DELAY)),
            ]
        )
        if letters:
            letters.action_print_letters()

    # ------------------------------------------------------------------
    # Scores, snapshots, mails
    # ------------------------------------------------------------------

    @api.model
    def _credit_demo_compute_risk(self, company, day):
        Partner = self.env["res.partner"].sudo().with_company(company)
        Score = self.env["credit.risk.score"]
        to_score = Score._credit_partners_to_score(day).get(company.id, [])
        Score._credit_compute_scores(Partner.browse(to_score))

    @api.model
    def _credit_demo_snapshots_before(self, company, first_day):
        Snapshot = self.env["credit.collection.snapshot"].sudo()
        month_end = first_day + relativedelta(day=1, days=-1)
        for index in range(SNAPSHOT_MONTHS_BEFORE):
            Snapshot._credit_take_snapshot(
                company, month_end + relativedelta(months=-index, day=31)
            )

    @api.model
    def _credit_demo_mark_mails_sent(self, last_mail_id):
        """The replay's emails went out in the story, not to the demo's
        example.com addresses: they are marked sent, so the mail queue never
        sends them and the history reads as sent."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("id", ">", last_mail_id or 0), ("state", "=", "outgoing")])
        )
        mails.write({"state": "sent"})

    @api.model
    def _credit_demo_letters_stored_later(self, company):
        """The letters the replay stored were rendered during the install,
        with no HTTP server to give wkhtmltopdf the report style sheets:
        they are dropped, and their first print on the running demo stores
        them styled (ir_actions_report.py binds a sent notice's letter)."""
        notices = (
            self.env["credit.notice"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("letter_attachment_id", "!=", False),
                ]
            )
        )
        letters = notices.letter_attachment_id
        notices.write({"letter_attachment_id": False})
        letters.unlink()

    @api.model
    def _credit_demo_summary(self, company):
        """Notices of the replay per level and state, for the log."""
        groups = self.env["credit.notice"]._read_group(
            [("company_id", "=", company.id)], ["level_id", "state"], ["__count"]
        )
        return ", ".join(
            f"{level.name}/{state}: {count}" for level, state, count in groups
        )
