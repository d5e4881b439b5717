from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CreditCollectionCommon
from .test_letters import REPORT, plain_text

MENU = "Accounting > Configuration > Credit & Collections > Interest Rates"


class LetterCase(CreditCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"company_registry": "98765416700012", "city": "Lyon"})

    def letter_text(self, notice):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, notice.ids
        )
        return plain_text(html.decode())

    def claims(self, interest, indemnity):
        self.scenario.write(
            {
                "interest_policy": "statutory" if interest else "none",
                "apply_recovery_indemnity": indemnity,
            }
        )


@tagged("post_install", "-at_install")
class TestLetterClaims(LetterCase):
    """A letter mentions interest or the indemnity only when its scenario
    claims them, at the rate of the letter's own half-year."""

    def test_scenario_without_claims_mentions_neither(self):
        self.claims(interest=False, indemnity=False)
        self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        text = self.letter_text(notice)
        for phrase in (
            "Late interest",
            "Recovery indemnity",
            "penalties",
            "indemnity for recovery costs",
            "L441-10",
            "D441-5",
        ):
            self.assertNotIn(phrase, text)
        self.assertIn("SIREN 987 654 167", text)  # the letterhead stays

    def test_interest_only(self):
        self.claims(interest=True, indemnity=False)
        self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        text = self.letter_text(notice)
        # ECB rate of H1 2026 (2.15 %) + 10 points
        self.assertIn(
            "late-payment penalties at the European Central Bank's main "
            "refinancing rate plus 10 percentage points, that is 12.15 % a year "
            "for the first half of 2026",
            text,
        )
        self.assertIn("Late interest", text)
        self.assertNotIn("Recovery indemnity", text)
        self.assertNotIn("indemnity for recovery costs", text)

    def test_indemnity_only(self):
        self.claims(interest=False, indemnity=True)
        self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        text = self.letter_text(notice)
        self.assertRegex(
            text, r"A fixed indemnity for recovery costs of \S* ?40\.00\b.* per invoice"
        )
        self.assertIn("Recovery indemnity", text)
        self.assertNotIn("penalties", text)
        self.assertNotIn("Late interest", text)

    def test_formal_notice_states_what_the_scenario_claims(self):
        self.claims(interest=False, indemnity=False)
        self.make_invoice(self.customer, 2000, "2026-03-02")
        for day in ("2026-03-09", "2026-03-22"):
            self.run_dunning(day)
        notice = self.run_dunning("2026-04-06")
        self.assertEqual(notice.level_id, self.level_formal)
        text = self.letter_text(notice)
        self.assertIn("article 1344 of the French Civil Code", text)
        self.assertIn("Legal basis: Civil Code, article 1344.", text)
        self.assertNotIn("interest", text)
        self.assertNotIn("L441-10", text)
        self.claims(interest=True, indemnity=True)
        text = self.letter_text(notice)
        self.assertIn("late-payment penalties due since the day after", text)
        self.assertIn("Commercial Code, articles L441-10 and D441-5", text)

    def test_rate_of_the_letters_half_year(self):
        self.claims(interest=True, indemnity=True)
        self.env["credit.interest.rate"].create(
            {
                "rate_type": "ecb_mro",
                "date_from": "2026-07-01",
                "rate": 2.4,
                "company_id": self.company.id,
            }
        )
        self.make_invoice(self.customer, 1000, "2026-07-06")
        notice = self.run_dunning("2026-07-13")
        text = self.letter_text(notice)
        self.assertIn("that is 12.40 % a year for the second half of 2026", text)
        self.assertNotIn("12.15", text)

    def test_formal_email_says_what_is_claimed(self):
        self.claims(interest=False, indemnity=False)
        template = self.env.ref("credit_collection.mail_template_notice_formal")
        invoice = self.make_invoice(self.customer, 2000, "2026-03-02")
        notice = self.make_notice(self.level_formal, "2026-04-06", invoice)
        body = template._render_field("body_html", notice.ids)[notice.id]
        self.assertNotIn("interest", body)
        self.assertNotIn("indemnity", body)
        self.claims(interest=True, indemnity=True)
        body = template._render_field("body_html", notice.ids)[notice.id]
        self.assertIn("Late-payment interest at the rate provided by law", body)
        self.assertIn("fixed recovery indemnity", body)


@tagged("post_install", "-at_install")
class TestMissingRateBlocksSending(LetterCase):
    """A notice claiming interest whose half-year has no reference rate can
    be neither sent nor printed: it waits, saying which rate to enter."""

    def setUp(self):
        super().setUp()
        self.claims(interest=True, indemnity=True)

    def test_missing_h2_rate_keeps_the_notice_to_validate(self):
        # The ECB rate of H2 2026 is not delivered.
        self.make_invoice(self.customer, 1000, "2026-07-01")
        notice = self.run_dunning("2026-07-08")
        self.assertEqual(notice.level_id, self.level_first)  # automatic level
        self.assertEqual(notice.state, "to_validate")
        self.assertIn("H2 2026", notice.send_blocked_reason)
        self.assertIn(MENU, notice.send_blocked_reason)
        self.assertFalse(
            self.env["mail.mail"].search_count(
                [("model", "=", notice._name), ("res_id", "=", notice.id)]
            )
        )
        with self.assertRaisesRegex(UserError, "H2 2026"):
            notice.action_validate()
        self.assertEqual(notice.state, "to_validate")
        with self.assertRaisesRegex(UserError, "H2 2026"):
            self.letter_text(notice)
        # Once the rate is entered, the notice goes out.
        self.env["credit.interest.rate"].create(
            {"rate_type": "ecb_mro", "date_from": "2026-07-01", "rate": 2.15}
        )
        notice.invalidate_recordset(["send_blocked_reason"])
        self.assertFalse(notice.send_blocked_reason)
        with freeze_time("2026-07-08"):
            notice.action_validate()
        self.assertEqual(notice.state, "sent")

    def test_same_day_without_interest_is_sent(self):
        self.claims(interest=False, indemnity=True)
        self.make_invoice(self.customer, 1000, "2026-07-01")
        notice = self.run_dunning("2026-07-08")
        self.assertEqual(notice.state, "sent")
        self.assertFalse(notice.send_blocked_reason)

    def test_dashboard_warns_from_the_first_day_of_the_half_year(self):
        Dashboard = self.env["credit.collection.dashboard"].with_context(
            allowed_company_ids=self.company.ids
        )
        with freeze_time("2026-06-30"):
            self.assertFalse(Dashboard.get_dashboard_data()["missing_rates"])
        with freeze_time("2026-07-01"):
            warning = "\n".join(Dashboard.get_dashboard_data()["missing_rates"])
        self.assertIn("ECB main refinancing rate for H2 2026", warning)
        self.assertIn(MENU, warning)


@tagged("post_install", "-at_install")
class TestNoticeSender(LetterCase):
    """The collector who signs a letter or makes a call is a person: the
    customer's collector, else its salesperson, else the company's
    collections user; never OdooBot. Without one such notices wait."""

    def setUp(self):
        super().setUp()
        self.company.credit_fallback_user_id = False
        self.colleague = self.collector.copy(
            {"name": "Sam Sales", "login": "sam", "email": "sam@example.com"}
        )
        self.odoobot = self.env.ref("base.user_root")

    def second_reminder(self, partner):
        """The notice with a call task (level Second) for ``partner``."""
        self.make_invoice(partner, 900, "2026-03-02")
        self.run_dunning("2026-03-09")
        return self.run_dunning("2026-03-22").filtered(
            lambda notice: notice.partner_id == partner
        )

    def test_collector_then_salesperson_then_collections_user(self):
        partner = self.customer.with_company(self.company)
        partner.credit_collector_id = self.odoobot  # never a signer
        partner.user_id = self.colleague
        self.company.credit_fallback_user_id = self.collector
        self.assertEqual(partner._credit_collector(), self.colleague)
        partner.user_id = False
        self.assertEqual(partner._credit_collector(), self.collector)
        partner.credit_collector_id = self.colleague
        self.assertEqual(partner._credit_collector(), self.colleague)
        notice = self.second_reminder(self.customer)
        self.assertEqual(notice.user_id, self.colleague)
        self.assertEqual(notice.activity_ids.user_id, self.colleague)

    def test_no_collector_the_call_waits_with_the_reason(self):
        notice = self.second_reminder(self.customer)
        self.assertEqual(notice.state, "to_validate")
        self.assertFalse(notice.user_id)
        self.assertFalse(notice.activity_ids)
        self.assertIn("No collector", notice.send_blocked_reason)
        self.assertIn("Settings > Credit & Collections", notice.send_blocked_reason)
        with self.assertRaisesRegex(UserError, "No collector"):
            notice.action_validate()
        self.assertEqual(notice.state, "to_validate")
        # The collections user set since then signs and calls.
        self.company.credit_fallback_user_id = self.collector
        with freeze_time("2026-03-22"):
            notice.action_validate()
        self.assertEqual(notice.state, "sent")
        self.assertEqual(notice.user_id, self.collector)
        self.assertEqual(notice.activity_ids.user_id, self.collector)

    def test_email_only_reminder_needs_no_signer(self):
        self.make_invoice(self.customer, 900, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.state, "sent")
        self.assertNotEqual(notice.user_id, self.odoobot)

    def test_odoobot_is_refused_as_signer(self):
        with self.assertRaises(ValidationError):
            self.company.credit_fallback_user_id = self.odoobot
        Notice = self.env["credit.notice"]
        # A notice made by hand is signed by its author, unless OdooBot.
        self.assertFalse(Notice.with_user(self.odoobot)._default_user_id())
        self.assertEqual(
            Notice.with_user(self.collector)._default_user_id(), self.collector
        )
        invoice = self.make_invoice(self.customer, 900, "2026-03-02")
        notice = self.make_notice(self.level_first, "2026-03-09", invoice)
        with self.assertRaises(ValidationError):
            notice.user_id = self.odoobot
