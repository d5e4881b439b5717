from freezegun import freeze_time

from odoo.tests import tagged

from .common import CreditCollectionCommon

try:  # queue_job is optional: scripts/test.sh installs it when it can
    from odoo.addons.queue_job.job import Job
except ImportError:
    Job = None

CHANNEL = "root.credit_collection"


@tagged("post_install", "-at_install")
class TestJobDispatch(CreditCollectionCommon):
    """With OCA's queue_job installed, the email job, the letters and the
    risk recompute become jobs on the addon's channel, which workers run in
    parallel; a job run twice sends nothing twice. Switched off by the
    system parameter, the scheduled actions do the work as without it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = [
            cls._customer(name)
            for name in ("Alpha Freight", "Beta Metals", "Gamma Foods")
        ]
        for customer in cls.customers:
            cls.make_invoice(customer, 800, "2026-03-02")

    def setUp(self):
        super().setUp()
        if "queue.job" not in self.env:
            self.skipTest("queue_job is not installed in this database")

    def credit_jobs(self, method=None):
        domain = [("channel", "=", CHANNEL)]
        if method:
            domain.append(("method_name", "=", method))
        return self.env["queue.job"].sudo().search(domain, order="id")

    def perform(self, jobs):
        """Run the stored jobs as a worker does (in the test's transaction)."""
        for record in jobs:
            Job.load(record.env, record.uuid).perform()

    def emails_per_notice(self, notices):
        return {notice.name: len(self.notice_mails(notice)) for notice in notices}

    def test_channel_is_created_under_root(self):
        channel = (
            self.env["queue.job.channel"]
            .sudo()
            .search([("complete_name", "=", CHANNEL)])
        )
        self.assertEqual(channel.parent_id.complete_name, "root")

    def test_email_job_cut_into_jobs_sends_each_email_once(self):
        notices = self.run_dunning("2026-03-09", send_pending=False)
        self.assertEqual(len(notices), 3)
        Notice = self.env["credit.notice"].sudo()
        with freeze_time("2026-03-09"):
            self.assertEqual(Notice._cron_send_pending_emails(batch_size=2), 0)
            # The next call, the jobs not run yet, enqueues nothing new.
            Notice._cron_send_pending_emails(batch_size=2)
        jobs = self.credit_jobs("_credit_send_pending_emails")
        self.assertEqual([len(job.records) for job in jobs], [2, 1])
        self.assertTrue(all(notices.mapped("email_pending")))
        self.assertFalse(any(self.emails_per_notice(notices).values()))
        with freeze_time("2026-03-09"):
            self.perform(jobs)
        once = dict.fromkeys(notices.mapped("name"), 1)
        self.assertEqual(self.emails_per_notice(notices), once)
        self.assertFalse(any(notices.mapped("email_pending")))
        self.assertEqual(set(notices.mapped("email_state")), {"queued"})
        with freeze_time("2026-03-09"):
            self.perform(jobs)  # run again (a worker crashed before done)
        self.assertEqual(self.emails_per_notice(notices), once)

    def test_letters_are_jobs_after_the_emails(self):
        self.level_first.print_letter = True
        notices = self.run_dunning("2026-03-09", send_pending=False)
        self.assertEqual(notices.mapped("letter_pending"), [True] * 3)
        with freeze_time("2026-03-09"):
            self.env["credit.notice"].sudo()._cron_send_pending_emails(
                letter_batch_size=2
            )
        emails = self.credit_jobs("_credit_send_pending_emails")
        letters = self.credit_jobs("_credit_store_pending_letters")
        self.assertEqual([len(job.records) for job in letters], [2, 1])
        self.assertGreater(min(letters.mapped("priority")), emails.priority)
        with freeze_time("2026-03-09"):
            self.perform(emails | letters)
        self.assertFalse(any(notices.mapped("letter_pending")))
        self.assertEqual(notices.mapped("letter_to_print"), [True] * 3)

    def test_cron_alone_when_switched_off(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.job_dispatch", "cron"
        )
        notices = self.run_dunning("2026-03-09", send_pending=False)
        with freeze_time("2026-03-09"):
            remaining = (
                self.env["credit.notice"].sudo()._cron_send_pending_emails(batch_size=2)
            )
        self.assertEqual(remaining, 1)  # the cron's own batches
        self.assertFalse(self.credit_jobs())
        self.assertEqual(sorted(self.emails_per_notice(notices).values()), [0, 1, 1])

    @freeze_time("2026-04-15")
    def test_risk_recompute_jobs_score_each_customer_once(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.risk_batch_size", 2
        )
        Score = self.env["credit.risk.score"]
        done, remaining = Score._cron_compute_scores()
        self.assertEqual(remaining, 0)
        jobs = self.credit_jobs("_credit_job_compute_scores")
        sizes = [len(job.args[1]) for job in jobs]  # (company id, customer ids)
        self.assertEqual(sum(sizes), done)
        self.assertEqual(max(sizes), 2)
        partners = self.env["res.partner"].browse([c.id for c in self.customers])
        self.assertFalse(Score.search([("partner_id", "in", partners.ids)]))
        self.perform(jobs)
        scores = Score.search([("partner_id", "in", partners.ids)])
        self.assertEqual(len(scores), 3)
        self.perform(jobs)
        self.assertEqual(Score.search([("partner_id", "in", partners.ids)]), scores)
        self.assertEqual(Score._cron_compute_scores(), (0, 0))
