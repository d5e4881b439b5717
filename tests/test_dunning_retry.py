from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import LockNotAvailable

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import batch_retry
from .common import CreditCollectionCommon

RETRY_LOGGER = "odoo.addons.credit_collection.models.batch_retry"


@tagged("post_install", "-at_install")
class TestDunningRetry(CreditCollectionCommon):
    """A batch refused by the database because another transaction holds a
    customer's row is retried, deferred, or left for tomorrow; the day's run
    never stops for it and never sends a step twice.

    The refusal is real: a second connection locks the customer's row (as a
    user editing it would) and the batch's UPDATE of the customer's level
    meets PostgreSQL's lock timeout (LockNotAvailable). The second connection
    only sees committed rows, so the busy customer is one installed with the
    module's dependencies, not one created by the test: a customer already
    invoiced in the demo data, as Odoo 19 writes the rank of a first-time
    customer in the posting transaction (which would hold the row itself)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.busy = cls.env.ref("base.res_partner_2")
        assert cls.busy.customer_rank, "the busy customer must be a known customer"
        # The email job's own batches, as without queue_job (its return
        # value counts what is left; test_job_dispatch covers the jobs).
        cls.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.job_dispatch", "cron"
        )

    def setUp(self):
        super().setUp()
        # The test's own transaction waits at most 100 ms for a lock.
        self.env.cr.execute("SET LOCAL lock_timeout = '100ms'")
        self.addCleanup(self.env.cr.execute, "SET LOCAL lock_timeout = 0")
        self.other_cr = self.registry.cursor()
        self.addCleanup(self.other_cr.close)
        self.other_cr.execute(
            "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE NOWAIT",
            [self.busy.id],
        )
        self.assertEqual(self.other_cr.rowcount, 1)
        self.company.credit_dunning_batch_size = 1

    def run_day(self, day):
        """The engine on ``day`` as the scheduled action runs it."""
        with freeze_time(day), mute_logger("odoo.sql_db"):
            run = (
                self.env["credit.dunning.run"]
                .sudo()
                .create({"company_id": self.company.id, "date": day})
            )
            calls = 0
            while run.state == "running":
                run._credit_process_batch()
                calls += 1
                self.assertLess(calls, 10)
        return run

    def release_lock_at(self, call):
        """A backoff that ends the other transaction at its ``call``-th wait,
        before the retry that follows it."""
        waits = []

        def backoff(attempt):
            waits.append(attempt)
            if len(waits) == call:
                self.other_cr.rollback()

        return patch.object(batch_retry, "backoff", backoff), waits

    def test_batch_retried_after_lock_timeout_creates_one_notice(self):
        invoice = self.make_invoice(self.busy, 800, "2026-03-02")
        release, waits = self.release_lock_at(1)
        with release:
            run = self.run_day("2026-03-09")
        self.assertEqual(waits, [1])
        self.assertEqual(run.state, "done")
        self.assertEqual(run.retry_count, 1)
        self.assertEqual((run.partner_count, run.skipped_count), (1, 0))
        notices = self.notices(self.busy)
        self.assertEqual(len(notices), 1)
        self.assertEqual(notices.line_ids.move_id, invoice)
        self.assertEqual(invoice.credit_level_id, self.level_first)
        self.assertEqual(
            self.busy.with_company(self.company).credit_level_id, self.level_first
        )
        self.assertEqual(run.notice_count, 1)

    def test_failed_batch_is_deferred_to_the_end_of_the_round(self):
        self.make_invoice(self.busy, 800, "2026-03-02")
        self.make_invoice(self.customer, 500, "2026-03-02")
        self.assertLess(self.busy.id, self.customer.id)  # its batch comes first
        # The first pass gives up after its retries; the last pass succeeds.
        release, waits = self.release_lock_at(batch_retry.MAX_RETRIES + 1)
        with release, mute_logger(RETRY_LOGGER):
            run = self.run_day("2026-03-09")
        self.assertEqual(len(waits), batch_retry.MAX_RETRIES + 1)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.retry_count, batch_retry.MAX_RETRIES + 1)
        self.assertFalse(run.deferred_partner_ids)
        self.assertEqual((run.partner_count, run.skipped_count), (2, 0))
        self.assertEqual(len(self.notices(self.busy)), 1)
        self.assertEqual(len(self.notices(self.customer)), 1)

    def test_batch_that_keeps_failing_is_skipped_and_the_run_completes(self):
        busy_invoice = self.make_invoice(self.busy, 800, "2026-03-02")
        self.make_invoice(self.customer, 500, "2026-03-02")
        with patch.object(batch_retry, "backoff", lambda attempt: None):
            with mute_logger(RETRY_LOGGER):
                run = self.run_day("2026-03-09")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.retry_count, 2 * batch_retry.MAX_RETRIES)
        self.assertEqual((run.partner_count, run.skipped_count), (1, 1))
        self.assertFalse(self.notices(self.busy))
        self.assertFalse(busy_invoice.credit_level_id)
        self.assertEqual(len(self.notices(self.customer)), 1)
        # Tomorrow's round takes the customer left behind, once.
        self.other_cr.rollback()
        tomorrow = self.run_day("2026-03-10")
        self.assertEqual(tomorrow.skipped_count, 0)
        notices = self.notices(self.busy)
        self.assertEqual(len(notices), 1)
        self.assertEqual(notices.level_id, self.level_first)
        self.assertEqual(len(self.notices(self.customer)), 1)

    def test_batch_locks_its_customers_first(self):
        """What the batch writes is locked before it reads: an edit of the
        customer waits for the batch instead of failing it."""
        self.other_cr.rollback()  # the busy customer is free again
        self.env["credit.dunning.run"]._credit_lock_batch(
            self.company, date(2026, 3, 9), self.busy.ids
        )
        with self.assertRaises(LockNotAvailable), mute_logger("odoo.sql_db"):
            self.other_cr.execute(
                "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                [self.busy.id],
            )

    def test_batch_transaction_is_read_committed_in_a_job(self):
        """In a job each batch is a transaction of its own at READ
        COMMITTED (its locks wait, where REPEATABLE READ would fail on
        every row changed since its snapshot); the next one is back to
        Odoo's REPEATABLE READ. A job's cursor, outside the test's
        transaction: nothing is written."""

        def isolation():
            job_cr.execute("SHOW transaction_isolation")
            return job_cr.fetchone()[0]

        with (
            self.registry.cursor() as job_cr,
            patch.object(odoo.modules.module, "current_test", None),
        ):
            env = api.Environment(job_cr, SUPERUSER_ID, {})
            self.assertEqual(
                batch_retry.run_retrying(env, isolation, "job", read_committed=True),
                ("read committed", 0),
            )
            job_cr.commit()
            self.assertEqual(isolation(), "repeatable read")

    def lock_author(self):
        """The email job's user authors the notices' messages: another
        transaction holding that partner's row (FOR UPDATE) makes the job's
        INSERT of the messages wait. (The test runs the job as the
        administrator: OdooBot, the scheduled actions' user, already authored
        messages in this test's transaction.)"""
        admin = self.env.ref("base.user_admin")
        self.other_cr.execute(
            "SELECT id FROM res_partner WHERE id = %s FOR UPDATE NOWAIT",
            [admin.partner_id.id],
        )
        return self.env["credit.notice"].with_user(admin).sudo()

    def queued_mails(self, notice):
        return self.env["mail.mail"].search_count(
            [("model", "=", notice._name), ("res_id", "=", notice.id)]
        )

    def test_email_batch_retried_queues_each_email_once(self):
        self.make_invoice(self.customer, 500, "2026-03-02")
        self.run_day("2026-03-09")
        notice = self.notices(self.customer)
        self.assertTrue(notice.email_pending)
        Notice = self.lock_author()
        release, waits = self.release_lock_at(1)
        with release, mute_logger("odoo.sql_db"):
            self.assertEqual(Notice._cron_send_pending_emails(), 0)
        self.assertEqual(waits, [1])
        self.assertFalse(notice.email_pending)
        self.assertEqual(self.queued_mails(notice), 1)

    def test_email_batch_that_keeps_failing_stays_pending(self):
        self.make_invoice(self.customer, 500, "2026-03-02")
        self.run_day("2026-03-09")
        notice = self.notices(self.customer)
        Notice = self.lock_author()
        with (
            patch.object(batch_retry, "backoff", lambda attempt: None),
            mute_logger(
                "odoo.sql_db",
                RETRY_LOGGER,
                "odoo.addons.credit_collection.models.credit_notice_delivery",
            ),
        ):
            # nothing done, the notice left for the next call
            self.assertEqual(Notice._cron_send_pending_emails(), 1)
        self.assertTrue(notice.email_pending)
        self.assertEqual(self.queued_mails(notice), 0)
        self.other_cr.rollback()
        self.assertEqual(Notice._cron_send_pending_emails(), 0)
        self.assertFalse(notice.email_pending)
        self.assertEqual(self.queued_mails(notice), 1)


@tagged("post_install", "-at_install")
class TestDunningRunNow(CreditCollectionCommon):
    def test_manual_run_on_a_finished_round_creates_nothing(self):
        self.make_invoice(self.customer, 1000, "2026-03-02")
        Run = self.env["credit.dunning.run"].sudo()
        cron = self.env.ref("credit_collection.ir_cron_advance_dunning")
        Trigger = self.env["ir.cron.trigger"].sudo()
        with freeze_time("2026-03-09 08:00:00"):
            action = Run._credit_run_now()
            self.assertEqual(action["res_model"], "credit.dunning.run")
            self.assertTrue(Trigger.search_count([("cron_id", "=", cron.id)]))
            while Run._cron_advance_dunning():
                pass
            runs = Run.search([])
            self.assertTrue(runs)
            self.assertEqual(set(runs.mapped("state")), {"done"})
            self.assertEqual(len(self.notices(self.customer)), 1)
            triggers = Trigger.search_count([("cron_id", "=", cron.id)])

            action = Run._credit_run_now()
            self.assertEqual(action["tag"], "display_notification")
            self.assertIn("done", action["params"]["message"])
            self.assertEqual(action["params"]["next"]["res_model"], Run._name)
            self.assertEqual(
                Trigger.search_count([("cron_id", "=", cron.id)]), triggers
            )
            # even when the scheduled action is called anyway
            self.assertEqual(Run._cron_advance_dunning(), 0)
            self.assertEqual(Run.search([]), runs)
        self.assertEqual(len(self.notices(self.customer)), 1)
