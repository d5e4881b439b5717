from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from ..compat import GROUPS_FIELD
from .common import CreditCollectionCommon
from .test_letters import plain_text

REPORT = "credit_collection.action_report_credit_notice"


@tagged("post_install", "-at_install")
class TestDunningEscalation(CreditCollectionCommon):
    """What the customer receives follows what happened: one step at a time
    from the last step sent, a formal notice before any hand-off, a skip
    only by a controller's logged choice, letters that refer to earlier
    steps only when they were sent, nothing not yet due in the amount due,
    and every notice in one currency."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        # A company in euros, the currency of the statutory indemnity.
        eur = cls.env.ref("base.EUR")
        eur.active = True
        return super().setup_independent_company(currency_id=eur.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level_handoff = cls.env["credit.dunning.level"].create(
            dict(
                cls._level("Hand-off", 60, "final"),
                scenario_id=cls.scenario.id,
                escalation_stage="legal",
                validation_required=True,
                min_days_after_previous=15,
            )
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def preview(self, day):
        """The dry run's decisions on ``day``: {(customer, currency): level}."""
        with freeze_time(day):
            wizard = self.env["credit.dunning.preview"].create(
                {"company_id": self.company.id, "date": day}
            )
            wizard.action_compute()
        return {
            (line.partner_id, line.currency_id): line.level_id
            for line in wizard.line_ids
        }

    def run_and_compare(self, day):
        """The day's run, after checking the dry run decides the same."""
        expected = self.preview(day)
        notices = self.run_dunning(day)
        self.assertEqual(
            {(n.partner_id, n.currency_id): n.level_id for n in notices},
            expected,
            f"dry run and run differ on {day}",
        )
        return notices

    def letter_text(self, notice):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, notice.ids
        )
        return plain_text(html.decode())

    def letter(self, notice):
        return self.env[
            "report.credit_collection.report_credit_notice"
        ]._get_report_values(notice.ids)["letters"][notice.id]

    def mail_body(self, notice):
        mail = self.notice_mails(notice)
        self.assertEqual(len(mail), 1)
        return plain_text(mail.body_html)

    def escalate(self, notice, level, reason="Customer says it will not pay"):
        wizard = (
            self.env["credit.notice.escalate"]
            .with_user(self.collector)
            .with_context(default_notice_id=notice.id)
            .create({"level_id": level.id, "reason": reason})
        )
        return wizard.action_escalate()

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------

    def test_backlog_starts_at_the_first_reminder_and_climbs_step_by_step(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-01-05")
        start = date(2026, 5, 5)  # 120 days overdue, never reminded
        # (days after the first run, level sent that day or None)
        steps = [
            (0, self.level_first),  # not the courtesy reminder, not the last
            (1, None),  # the second reminder waits 7 days after the first
            (6, None),
            (7, self.level_second),
            (13, None),
            (14, self.level_formal),  # waits for validation
            (20, None),  # nothing while the formal notice waits
        ]
        for offset, level in steps:
            day = start + timedelta(days=offset)
            notices = self.run_and_compare(day)
            if level is None:
                self.assertFalse(notices, f"nothing expected on {day}")
                continue
            self.assertEqual(notices.level_id, level, day)
            self.assertEqual(notices.line_ids.move_id, invoice)
            self.assertEqual(notices.line_ids.days_overdue, 120 + offset)
        formal = self.notices(self.customer).filtered("is_formal_notice")
        self.assertEqual(formal.state, "to_validate")
        with freeze_time(start + timedelta(days=22)):
            formal.with_user(self.collector).action_validate()
        # The hand-off comes 15 days (its own minimum) after the formal
        # notice went out, not after the day it was prepared.
        self.assertFalse(self.run_and_compare(start + timedelta(days=36)))
        handoff = self.run_and_compare(start + timedelta(days=37))
        self.assertEqual(handoff.level_id, self.level_handoff)
        self.assertEqual(
            self.notices(self.customer).sorted("date").level_id.ids,
            [
                self.level_first.id,
                self.level_second.id,
                self.level_formal.id,
                self.level_handoff.id,
            ],
        )

    def test_courtesy_reminder_only_before_the_due_date(self):
        late = self.make_invoice(self.customer, 500, "2026-03-02")
        self.assertFalse(self.run_and_compare("2026-03-05"))  # +3: not yet +7
        coming = self._customer("Martin Transports")
        self.make_invoice(coming, 500, "2026-03-10")
        notices = self.run_and_compare("2026-03-06")  # +4 and -4
        self.assertEqual(notices.partner_id, coming)
        self.assertEqual(notices.level_id, self.level_courtesy)
        self.assertEqual(self.run_and_compare("2026-03-09").line_ids.move_id, late)

    def test_cancelled_step_comes_back_after_the_minimum_days(self):
        self.make_invoice(self.customer, 1000, "2026-03-02")
        for day in ("2026-03-09", "2026-03-22"):
            self.run_dunning(day)
        formal = self.run_dunning("2026-04-06")
        formal.action_cancel()
        # Not sent: the next step is still the formal notice, not the hand-off.
        self.assertFalse(self.run_and_compare("2026-04-12"))
        again = self.run_and_compare("2026-04-13")
        self.assertEqual(again.level_id, self.level_formal)

    def test_hand_off_needs_a_formal_notice(self):
        # A scenario whose step before the hand-off is no formal notice.
        self.level_formal.is_formal_notice = False
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        for day in ("2026-03-09", "2026-03-22"):
            self.run_dunning(day)
        notice = self.run_dunning("2026-04-06")
        with freeze_time("2026-04-06"):
            notice.action_validate()
        self.assertFalse(invoice.credit_formal_notice_date)
        for day in ("2026-05-01", "2026-06-01"):
            self.assertFalse(self.run_and_compare(day), day)

    def test_hand_off_lists_only_the_invoices_formally_noticed(self):
        noticed = self.make_invoice(self.customer, 1000, "2026-03-02")
        for day in ("2026-03-09", "2026-03-22"):
            self.run_dunning(day)
        formal = self.run_dunning("2026-04-06")
        with freeze_time("2026-04-06"):
            formal.action_validate()
        later = self.make_invoice(self.customer, 400, "2026-04-15")
        handoff = self.run_and_compare("2026-05-01")
        self.assertEqual(handoff.level_id, self.level_handoff)
        self.assertEqual(handoff.line_ids.move_id, noticed)
        self.assertNotIn(later, handoff.line_ids.move_id)

    def test_controller_skips_a_step_explicitly_and_it_is_logged(self):
        self.level_first.validation_required = True
        invoice = self.make_invoice(self.customer, 1000, "2026-01-05")
        notice = self.run_dunning("2026-05-05")
        self.assertEqual(notice.level_id, self.level_first)
        self.assertEqual(notice.state, "to_validate")
        # A hand-off needs a formal notice first; a lower level is no skip.
        with self.assertRaises(UserError):
            self.escalate(notice, self.level_handoff)
        with self.assertRaises(UserError):
            notice.with_user(self.collector)._credit_escalate_to(
                self.level_courtesy, "back"
            )
        self.assertEqual(notice.level_id, self.level_first)
        billing = self.env["res.users"].create(
            {
                "name": "Bill Ing",
                "login": "billing_escalation",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                GROUPS_FIELD: [
                    Command.set(self.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        with self.assertRaises(AccessError):
            notice.with_user(billing)._credit_escalate_to(self.level_formal, "x")

        self.escalate(notice, self.level_formal, "Refuses to pay, see call")
        self.assertEqual(notice.level_id, self.level_formal)
        self.assertTrue(notice.is_formal_notice)
        self.assertEqual(notice.state, "to_validate")
        self.assertEqual(invoice.credit_level_id, self.level_formal)
        log = notice.message_ids[0]
        self.assertEqual(log.author_id, self.collector.partner_id)
        body = plain_text(log.body)
        self.assertIn("Colette Collector", body)
        self.assertIn("Refuses to pay, see call", body)
        self.assertIn(self.level_first.display_name, body)
        self.assertIn(self.level_formal.display_name, body)
        with freeze_time("2026-05-06"):
            notice.with_user(self.collector).action_validate()
        self.assertEqual(notice.state, "sent")
        self.assertEqual(str(invoice.credit_formal_notice_date), "2026-05-05")
        # A first contact: neither the letter nor the email invent reminders.
        text = self.letter_text(notice)
        self.assertIn("Formal notice to pay", text)
        self.assertIn(
            "Unless we are mistaken, the invoices below remain unpaid after "
            "their due date.",
            text,
        )
        self.assertNotIn("Despite", text)
        self.assertNotIn("Our earlier reminders", text)
        email = self.mail_body(notice)
        self.assertIn("We hereby give you formal notice", email)
        self.assertNotIn("Our reminders have remained unanswered", email)

    # ------------------------------------------------------------------
    # Letters state facts
    # ------------------------------------------------------------------

    def test_letters_refer_to_earlier_steps_and_list_them(self):
        self.make_invoice(self.customer, 2000, "2026-03-02")
        first = self.run_dunning("2026-03-09")
        first_text = self.letter_text(first)
        self.assertIn("Unless we are mistaken", first_text)
        self.assertNotIn("Our earlier reminders", first_text)

        second = self.run_dunning("2026-03-22")
        text = self.letter_text(second)
        self.assertIn("Despite our previous reminder, the invoices below", text)
        self.assertIn(f"03/09/2026 {first.name} First", text)
        self.assertIn("Despite our previous reminder", self.mail_body(second))

        formal = self.run_dunning("2026-04-06")
        formal.registered_letter_number = "1A 123 456 7890 1"
        with freeze_time("2026-04-07"):
            formal.action_validate()
        text = self.letter_text(formal)
        self.assertIn("Despite our previous reminders, the invoices below", text)
        self.assertIn(f"03/09/2026 {first.name} First", text)
        self.assertIn(f"03/22/2026 {second.name} Second", text)
        self.assertIn("Our reminders have remained unanswered", self.mail_body(formal))

        handoff = self.run_dunning("2026-05-01")
        self.assertEqual(handoff.previous_formal_notice_id, formal)
        self.assertEqual(handoff.previous_reminder_count, 3)
        text = self.letter_text(handoff)
        self.assertIn(
            "Despite our formal notice of 04/06/2026, the invoices below remain "
            "unpaid.",
            text,
        )
        self.assertIn(f"04/06/2026 {formal.name} Formal 1A 123 456 7890 1", text)
        with freeze_time("2026-05-02"):
            handoff.action_validate()
        self.assertIn(
            "Despite our formal notice of 04/06/2026", self.mail_body(handoff)
        )

    def test_not_yet_due_invoices_are_never_in_the_amount_due(self):
        overdue = self.make_invoice(self.customer, 700, "2026-03-02")
        coming = self.make_invoice(self.customer, 300, "2026-03-12")  # -3
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.level_id, self.level_first)
        self.assertEqual(notice.line_ids.move_id, overdue)
        self.assertEqual(notice.amount_residual, 700)
        self.assertEqual(notice.amount_total, 700)
        text = self.letter_text(notice)
        self.assertNotIn(coming.name, text)
        email = self.mail_body(notice)
        self.assertNotIn(coming.name, email)
        self.assertIn(f"{overdue.name} 03/02/2026 7 ", email)
        # One count of days overdue: notice line, letter and portal agree.
        self.assertEqual(notice.line_ids.days_overdue, 7)
        self.assertEqual(self.letter(notice)["rows"][0]["days_overdue"], 7)
        days = (overdue | coming)._credit_days_overdue(date(2026, 3, 9))
        self.assertEqual(days, {overdue.id: 7, coming.id: -3})
        # A customer with nothing overdue gets the courtesy reminder, which
        # asks for nothing now.
        other = self._customer("Martin Transports")
        upcoming = self.make_invoice(other, 500, "2026-03-13")
        courtesy = self.run_dunning("2026-03-09").filtered(
            lambda n: n.partner_id == other
        )
        self.assertEqual(courtesy.level_id, self.level_courtesy)
        self.assertEqual(courtesy.line_ids.move_id, upcoming)
        self.assertEqual(courtesy.amount_overdue, 0)
        self.assertEqual(self.letter(courtesy)["rows"][0]["days_overdue"], 0)

    # ------------------------------------------------------------------
    # Currencies
    # ------------------------------------------------------------------

    def test_usd_invoice_gets_a_notice_in_usd(self):
        usd = self.setup_other_currency("USD", rates=[("2026-01-01", 1.25)])
        self.assertEqual(self.company.currency_id.name, "EUR")
        self.scenario.write(
            {
                "interest_policy": "statutory",
                "interest_jurisdiction": "FR",
                "apply_recovery_indemnity": True,
            }
        )
        self.level_first.fee_amount = 10
        hudson = self._customer("Hudson Retail")
        usd_invoice = self.make_invoice(hudson, 9800, "2026-03-02", currency=usd)
        eur_invoice = self.make_invoice(hudson, 1000, "2026-03-02")
        notices = self.run_and_compare("2026-03-09")
        self.assertEqual(len(notices), 2)
        by_currency = {notice.currency_id: notice for notice in notices}
        usd_notice, eur_notice = by_currency[usd], by_currency[self.company.currency_id]
        self.assertEqual(usd_notice.line_ids.move_id, usd_invoice)
        self.assertEqual(eur_notice.line_ids.move_id, eur_invoice)
        self.assertEqual(usd_notice.amount_residual, 9800)
        self.assertEqual(usd_notice.fee_amount, 12.5)  # 10 EUR at 1.25
        self.assertEqual(usd_notice.amount_total, 9812.5)
        self.assertEqual(usd_notice.line_ids.amount_residual_company, 7840)
        self.assertEqual(usd_notice.priority_score, 7840 * 7)
        self.assertEqual(eur_notice.amount_total, 1010)

        letter = self.letter(usd_notice)
        self.assertEqual(letter["total_residual"], 9800)
        self.assertEqual(letter["total_indemnity"], 50)  # 40 EUR at 1.25
        interest = usd_invoice._credit_late_interest(usd_notice.date, self.scenario)
        self.assertGreater(letter["total_interest"], 0)
        self.assertAlmostEqual(
            letter["total_interest"], interest[usd_invoice]["amount"]
        )
        self.assertAlmostEqual(
            letter["total_due"], 9800 + letter["total_interest"] + 50 + 12.5
        )
        self.assertIn("dollars", letter["amount_in_words"])
        self.assertNotIn("euro", letter["amount_in_words"].lower())
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(REPORT, usd_notice.ids)[0]
            .decode()
        )
        monetary = self.env["ir.qweb.field.monetary"]
        self.assertIn(monetary.value_to_html(9800, {"display_currency": usd}), html)
        self.assertIn(
            monetary.value_to_html(letter["total_due"], {"display_currency": usd}),
            html,
        )
        text = plain_text(html)
        # The law's 40 euros, and what this letter claims in dollars.
        self.assertIn("40.00 € ($ 50.00 at the rate of 03/09/2026) per invoice", text)
        self.assertEqual(self.letter(eur_notice)["total_indemnity"], 40)
