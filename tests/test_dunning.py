from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .common import CreditCollectionCommon


@tagged("post_install", "-at_install")
class TestDunningEngine(CreditCollectionCommon):
    """The daily run over real invoices, day after day."""

    def test_levels_advance_on_their_days(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        expected = {
            "2026-02-20": None,  # 10 days before the due date: nothing yet
            "2026-02-25": self.level_courtesy,  # -5
            "2026-02-26": None,
            "2026-03-08": None,  # +6
            "2026-03-09": self.level_first,  # +7
            "2026-03-15": None,
            "2026-03-22": self.level_second,  # +20
            "2026-04-06": self.level_formal,  # +35
            "2026-05-11": None,  # +70: no level after the formal notice
        }
        for day, level in expected.items():
            notices = self.run_dunning(day)
            if level is None:
                self.assertFalse(notices, f"nothing expected on {day}")
                continue
            self.assertEqual(len(notices), 1, day)
            self.assertEqual(notices.level_id, level, day)
            self.assertEqual(notices.line_ids.move_id, invoice)
            self.assertEqual(invoice.credit_level_id, level, day)
            self.assertEqual(
                self.customer.with_company(self.company).credit_level_id, level
            )
        self.assertEqual(len(self.notices(self.customer)), 4)
        first = self.notices(self.customer).filtered(
            lambda n: n.level_id == self.level_first
        )
        self.assertEqual(first.line_ids.days_overdue, 7)
        self.assertEqual(first.amount_total, 1000)
        self.assertEqual(first.state, "sent")

    def test_courtesy_reminder_goes_before_the_due_date(self):
        self.make_invoice(self.customer, 300, "2026-03-02")
        notices = self.run_dunning("2026-02-25")
        self.assertEqual(notices.level_id, self.level_courtesy)
        self.assertEqual(notices.line_ids.days_overdue, -5)
        self.assertEqual(notices.amount_overdue, 0)
        self.assertEqual(notices.amount_total, 300)

    def test_two_runs_the_same_day_send_nothing_new(self):
        self.make_invoice(self.customer, 1000, "2026-03-02")
        other = self._customer("Martin Transports")
        self.make_invoice(other, 500, "2026-02-20")
        first = self.run_dunning("2026-03-09")
        self.assertEqual(len(first), 2)
        mails = self.env["mail.mail"].search_count([("model", "=", "credit.notice")])
        second = self.run_dunning("2026-03-09")
        self.assertEqual(second, first)
        self.assertEqual(
            self.env["mail.mail"].search_count([("model", "=", "credit.notice")]), mails
        )

    def test_email_goes_to_the_invoicing_contact_with_the_level_template(self):
        invoice = self.make_invoice(self.customer, 1250, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        mail = self.env["mail.mail"].search(
            [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
        )
        self.assertEqual(len(mail), 1)
        contact = self.customer.child_ids.filtered(lambda c: c.type == "invoice")
        self.assertEqual(notice.contact_id, contact)
        self.assertEqual(mail.recipient_ids, contact)
        self.assertIn("payment reminder", mail.subject)
        self.assertIn(notice.name, mail.subject)
        self.assertIn(invoice.name, mail.body_html)
        self.assertIn("1,250.00", mail.body_html)
        self.assertIn("email queued", notice.channel_summary)
        self.assertEqual(mail.state, "outgoing")

    def test_batch_emails_compile_the_body_once_and_stay_personal(self):
        other = self._customer("Martin Transports")
        first = self.make_invoice(self.customer, 1250, "2026-03-02")
        second = self.make_invoice(other, 730, "2026-03-02")
        cache = self.env.cr.cache
        for key in [key for key in cache if key[0] == "credit_collection.qweb"]:
            del cache[key]  # compiled by an earlier test on this cursor
        notices = self.run_dunning("2026-03-09")
        self.assertEqual(len(notices), 2)
        compiled = [key for key in cache if key[0] == "credit_collection.qweb"]
        # One body template for the batch, compiled once: each customer's
        # email still carries its own invoice and amount.
        self.assertEqual(len(compiled), 1)
        mails = self.env["mail.mail"].search(
            [("model", "=", "credit.notice"), ("res_id", "in", notices.ids)]
        )
        body = {
            mail.recipient_ids.commercial_partner_id: mail.body_html for mail in mails
        }
        self.assertIn(first.name, body[self.customer])
        self.assertIn("1,250.00", body[self.customer])
        self.assertNotIn(second.name, body[self.customer])
        self.assertIn(second.name, body[other])
        self.assertIn("730.00", body[other])
        self.assertNotIn("1,250.00", body[other])

    def test_call_task_for_the_collector(self):
        self.customer.with_company(self.company).credit_collector_id = self.collector
        self.make_invoice(self.customer, 800, "2026-03-02")
        self.run_dunning("2026-03-09")
        notice = self.run_dunning("2026-03-22")
        self.assertEqual(notice.level_id, self.level_second)
        activity = notice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )
        self.assertEqual(activity.date_deadline, fields.Date.to_date("2026-03-22"))
        self.assertEqual(notice.user_id, self.collector)

    def test_formal_notice_waits_for_validation(self):
        invoice = self.make_invoice(self.customer, 2000, "2026-03-02")
        self.run_dunning("2026-03-09")
        self.run_dunning("2026-03-22")
        notice = self.run_dunning("2026-04-06")
        self.assertEqual(notice.level_id, self.level_formal)
        self.assertTrue(notice.is_formal_notice)
        self.assertEqual(notice.state, "to_validate")
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
            )
        )
        self.assertFalse(invoice.credit_formal_notice_date)
        # the step is taken: the next run does not create it again
        self.assertFalse(self.run_dunning("2026-04-07"))

        with freeze_time("2026-04-08"):
            notice.with_user(self.collector).action_validate()
        self.assertEqual(notice.state, "sent")
        self.assertTrue(notice.letter_to_print)
        self.assertEqual(invoice.credit_formal_notice_date, notice.date)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
            ),
            1,
        )

    def test_notice_without_email_address_fails_and_others_go_on(self):
        no_email = self.env["res.partner"].create(
            {"name": "Silent SARL", "is_company": True, "company_id": self.company.id}
        )
        self.make_invoice(no_email, 400, "2026-03-02")
        self.make_invoice(self.customer, 400, "2026-03-02")
        notices = self.run_dunning("2026-03-09")
        failed = notices.filtered(lambda n: n.state == "failed")
        self.assertEqual(failed.partner_id, no_email)
        self.assertIn("no email address", failed.failure_reason)
        self.assertEqual(
            notices.filtered(lambda n: n.state == "sent").partner_id, self.customer
        )

    def test_tolerance(self):
        self.scenario.minimum_amount = 500
        self.make_invoice(self.customer, 100, "2026-03-02")
        self.assertFalse(self.run_dunning("2026-03-09"))
        self.make_invoice(self.customer, 450, "2026-03-01")
        notice = self.run_dunning("2026-03-10")
        self.assertEqual(len(notice.line_ids), 2)
        self.assertEqual(notice.amount_total, 550)

    def test_one_notice_per_customer_follows_the_oldest_invoice(self):
        old = self.make_invoice(self.customer, 700, "2026-02-10")
        recent = self.make_invoice(self.customer, 300, "2026-02-25")
        # +20 and +5 on a first contact: the first reminder, not the second
        # (the engine never skips a step), listing every overdue invoice.
        first = self.run_dunning("2026-03-02")
        self.assertEqual(first.level_id, self.level_first)
        self.assertEqual(first.line_ids.move_id, old | recent)
        # A week later the oldest invoice takes the customer one step up.
        notice = self.run_dunning("2026-03-09")  # +27 and +12
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.level_id, self.level_second)
        self.assertEqual(notice.line_ids.move_id, old | recent)
        self.assertEqual(notice.max_days_overdue, 27)
        self.assertEqual((old | recent).credit_level_id, self.level_second)
        # The run inserts its notices in SQL: the stored totals must be what
        # the ORM computes from the lines.
        self.assertEqual(notice.amount_residual, 1000)
        self.assertEqual(notice.amount_overdue, 1000)
        self.assertEqual(notice.priority_score, 1000 * 27)
        self.assertEqual(notice.line_ids.company_id, self.company)
        self.assertFalse(notice.is_formal_notice)
        deadline_days = self.company.credit_payment_deadline_days
        self.assertEqual(
            notice.payment_deadline,
            fields.Date.to_date("2026-03-09") + timedelta(days=deadline_days),
        )
        stored = notice.read(["amount_residual", "amount_overdue", "amount_total"])
        notice.invalidate_recordset()
        notice._compute_amounts()
        self.assertEqual(
            stored,
            notice.read(["amount_residual", "amount_overdue", "amount_total"]),
        )

    def test_one_notice_per_invoice(self):
        self.scenario.notice_grouping = "invoice"
        old = self.make_invoice(self.customer, 700, "2026-02-10")
        recent = self.make_invoice(self.customer, 300, "2026-02-25")
        # +20: the first overdue level; +5: overdue, so no courtesy reminder,
        # and the first reminder comes at +7.
        notices = self.run_dunning("2026-03-02")
        self.assertEqual(notices.line_ids.move_id, old)
        self.assertEqual(notices.level_id, self.level_first)
        self.assertFalse(recent.credit_level_id)
        # Each invoice climbs on its own: the recent one reaches +7, the old
        # one waits a week after its first reminder.
        notices = self.run_dunning("2026-03-04")
        self.assertEqual(notices.line_ids.move_id, recent)
        self.assertEqual(notices.level_id, self.level_first)
        notices = self.run_dunning("2026-03-09")
        self.assertEqual(notices.line_ids.move_id, old)
        self.assertEqual(notices.level_id, self.level_second)
        # The customer is at the highest level of its open invoices.
        self.assertEqual(
            self.customer.with_company(self.company).credit_level_id, self.level_second
        )

    def test_send_window_skips_weekends(self):
        self.scenario.send_window = "business_days"
        self.make_invoice(self.customer, 900, "2026-02-28")
        self.assertFalse(self.run_dunning("2026-03-07"))  # Saturday, +7
        self.assertFalse(self.run_dunning("2026-03-08"))  # Sunday
        notice = self.run_dunning("2026-03-09")  # Monday
        self.assertEqual(notice.level_id, self.level_first)

    def test_scenario_choice(self):
        tag = self.env["res.partner.category"].create({"name": "Public sector"})
        tagged_scenario = self.scenario.copy({"name": "Public sector scenario"})
        tagged_scenario.partner_category_ids = tag
        own_scenario = self.scenario.copy({"name": "Own scenario"})
        plain = self._customer("Plain SA")
        public = self._customer("Public SA", category_id=[Command.link(tag.id)])
        own = self._customer("Own SA", category_id=[Command.link(tag.id)])
        own.with_company(self.company).credit_scenario_id = own_scenario
        resolved = (plain | public | own)._credit_resolve_scenarios(self.company)
        self.assertEqual(resolved[plain.id], self.scenario)
        self.assertEqual(resolved[public.id], tagged_scenario)
        self.assertEqual(resolved[own.id], own_scenario)

    def test_dry_run_creates_nothing(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        notice_mails = [("model", "=", "credit.notice")]
        mails = self.env["mail.mail"].search_count(notice_mails)
        with freeze_time("2026-03-09"):
            preview = self.env["credit.dunning.preview"].create(
                {"company_id": self.company.id, "date": "2026-03-22"}
            )
            preview.action_compute()
        line = preview.line_ids.filtered(lambda pl: pl.partner_id == self.customer)
        # +20 without any earlier notice: the first reminder, as the run.
        self.assertEqual(line.level_id, self.level_first)
        self.assertEqual(line.amount, 1000)
        self.assertEqual(line.move_ids, invoice)
        self.assertEqual(line.invoice_count, 1)
        self.assertEqual(line.currency_id, self.company.currency_id)
        self.assertIn("email", line.actions)
        self.assertFalse(self.notices(self.customer))
        self.assertFalse(invoice.credit_level_id)
        # The demo company's replayed history is not this company's.
        self.assertEqual(self.env["mail.mail"].search_count(notice_mails), mails)
        runs = self.env["credit.dunning.run"].search([])
        self.assertFalse(runs.filtered(lambda run: run.company_id == self.company))

    def test_interrupted_run_sends_each_step_exactly_once(self):
        self.company.credit_dunning_batch_size = 1
        customers = (
            self.customer | self._customer("Bravo SA") | self._customer("Charlie SA")
        )
        for customer in customers:
            self.make_invoice(customer, 600, "2026-03-02")
        Run = self.env["credit.dunning.run"].sudo()

        def crash(notices, level):
            raise RuntimeError("worker killed")

        with freeze_time("2026-03-09"):
            run = Run.create({"company_id": self.company.id, "date": "2026-03-09"})
            run._credit_process_batch()  # batch 1 is committed by the cron
            notice_class = type(self.env["credit.notice"])
            with patch.object(notice_class, "_credit_send", crash):
                with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                    run._credit_process_batch()  # batch 2 crashes: rolled back
            self.env.invalidate_all()
            self.assertEqual(run.partner_count, 1)
            while run.state == "running":
                run._credit_process_batch()
            self.send_pending_emails()
        notices = self.notices(on="2026-03-09").filtered(
            lambda n: n.partner_id in customers
        )
        self.assertEqual(len(notices), 3)
        self.assertEqual(notices.partner_id, customers)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "credit.notice"), ("res_id", "in", notices.ids)]
            ),
            3,
        )
        # and tomorrow nothing is sent again
        self.assertFalse(self.run_dunning("2026-03-10"))

    def test_scheduled_action_runs_every_company(self):
        other = self.setup_other_company(name="Other Co")["company"]
        other_scenario = self.scenario.copy({"company_id": other.id, "name": "Other"})
        other.credit_default_scenario_id = other_scenario
        other_customer = self._customer("Foreign SA", company=other)
        self.make_invoice(self.customer, 1000, "2026-03-02")
        self.make_invoice(other_customer, 1000, "2026-03-02", company=other)
        with freeze_time("2026-03-09"):
            Run = self.env["credit.dunning.run"].sudo()
            while Run._cron_advance_dunning():
                pass
        mine = self.notices(self.customer)
        theirs = self.notices(other_customer, company=other)
        self.assertEqual(len(mine), 1)
        self.assertEqual(len(theirs), 1)
        self.assertEqual(theirs.company_id, other)
        self.assertEqual(theirs.level_id.scenario_id, other_scenario)
        # a controller of the first company sees only its own notices
        visible = self.env["credit.notice"].with_user(self.collector).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(theirs, visible)
