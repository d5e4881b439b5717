from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import html2plaintext, mute_logger

from ..compat import GROUPS_FIELD, wkhtmltopdf_reaches_test_server
from ..models import ir_actions_report
from .common import REPORT_LOGGERS, CreditCollectionCommon
from .test_letters import pdf_pages

REPORT = "credit_collection.action_report_credit_statement"


@tagged("post_install", "-at_install")
class TestCreditStatement(CreditCollectionCommon, HttpCase):
    """Statements of account: open items, aging, recent payments; printed
    in batch and emailed to each customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.not_due = cls.make_invoice(cls.customer, 1000, "2026-04-30")
        cls.late_45 = cls.make_invoice(cls.customer, 500, "2026-02-24")
        cls.late_100 = cls.make_invoice(cls.customer, 300, "2025-12-31")
        cls.paid = cls.make_invoice(cls.customer, 250, "2026-03-15")

    def statement(self, partners, date=date(2026, 4, 10)):
        return self.env[
            "report.credit_collection.report_credit_statement"
        ]._statement_values(partners, self.company, date)

    def test_open_items_aging_and_payments(self):
        self.pay(self.paid, on="2026-03-31")
        self.pay(self.late_100, 100, on="2026-04-01")
        values = self.statement(self.customer)[self.customer.id]
        moves = [item["move"] for item in values["items"]]
        self.assertEqual(moves, [self.late_100, self.late_45, self.not_due])
        self.assertEqual(
            values["aging"],
            {"not_due": 1000, "1_30": 0, "31_60": 500, "61_90": 0, "over_90": 200},
        )
        self.assertEqual(values["total_due"], 1700)
        self.assertEqual(values["total_overdue"], 700)
        self.assertEqual(
            [payment["amount"] for payment in values["payments"]], [100, 250]
        )
        self.assertEqual(values["items"][0]["days_overdue"], 100)

        with freeze_time("2026-04-10"):
            html, _type = self.env["ir.actions.report"]._render_qweb_html(
                REPORT, self.customer.ids
            )
        text = " ".join(html2plaintext(html.decode()).split())
        self.assertIn("Statement of account", text)
        for move in (self.late_100, self.late_45, self.not_due):
            self.assertIn(move.name, text)
        self.assertNotIn(self.paid.name + " ", text.split("Payments received")[0])
        self.assertIn("1,700.00", text)
        self.assertIn("Over 90 days", text)
        self.assertIn("Payments received in the last 90 days", text)

    def test_invoice_paid_without_journal_entry_is_not_asked_for(self):
        # A payment method without outstanding account: on 18.0 the payment
        # has no journal entry, the invoice is paid, its receivable stays
        # open (19.0 Community gives it an entry anyway): either way the
        # invoice is not asked for and the payment is listed.
        self.env["account.payment.method.line"].search(
            [
                ("journal_id.company_id", "=", self.company.id),
                ("payment_type", "=", "inbound"),
            ]
        ).payment_account_id = False
        self.pay(self.late_45, on="2026-04-01")
        self.assertIn(self.late_45.payment_state, ("paid", "in_payment"))
        values = self.statement(self.customer)[self.customer.id]
        moves = [item["move"] for item in values["items"]]
        self.assertNotIn(self.late_45, moves)
        self.assertEqual(values["amount_due_now"], 550)  # 300 + 250, not 500
        # ... and the payment, in no journal line, is listed as received
        self.assertIn(
            (date(2026, 4, 1), 500),
            [(payment["date"], payment["amount"]) for payment in values["payments"]],
        )

    @mute_logger(*REPORT_LOGGERS)  # wkhtmltopdf notes
    def render_pdf(self, partners):
        content, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, partners.ids, data={"date": "2026-04-10"})
        )
        self.assertEqual(report_type, "pdf")
        return pdf_pages(content)

    def test_print_many_customers_in_one_pdf(self):
        other = self._customer("Martin Transports")
        self.make_invoice(other, 750, "2026-03-01")
        # Rendered side by side, one wkhtmltopdf per customer.
        with wkhtmltopdf_reaches_test_server(self, ir_actions_report):
            batch = self.render_pdf(self.customer | other)
        first, second = self.render_pdf(self.customer), self.render_pdf(other)
        self.assertEqual(batch, first + second)
        self.assertNotEqual(first, second)

    def test_send_statements_by_email_to_each_customer(self):
        other = self._customer("Martin Transports")
        self.make_invoice(other, 750, "2026-03-01")
        customers = (self.customer | other).with_user(self.collector)
        action = customers.action_credit_send_statement()
        self.assertEqual(action["res_model"], "mail.compose.message")
        self.assertEqual(action["context"]["default_composition_mode"], "mass_mail")
        with freeze_time("2026-04-10"):
            composer = (
                self.env["mail.compose.message"]
                .with_user(self.collector)
                .with_context(**action["context"])
                .create({})
            )
            composer._action_send_mail()
        mails = self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "in", customers.ids)]
        )
        self.assertEqual(len(mails), 2)
        for customer in customers:
            mail = mails.filtered(lambda m, c=customer: m.res_id == c.id)
            contact = customer.child_ids.filtered(lambda c: c.type == "invoice")
            self.assertEqual(mail.recipient_ids, contact)
            self.assertIn("statement of account", mail.subject)
            self.assertEqual(len(mail.attachment_ids), 1)
            self.assertIn(customer.name, mail.attachment_ids.name)

    def test_only_credit_controllers_send_statements(self):
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "clerk",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                GROUPS_FIELD: [Command.set([self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(clerk).action_credit_send_statement()
