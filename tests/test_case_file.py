import csv
import hashlib
import io
import zipfile
from datetime import date

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .common import REPORT_LOGGERS, CreditCollectionCommon, run_email_job

SUMMARY_REPORT = "credit_collection.action_report_credit_case_file"


def plain_text(html):
    return " ".join(lxml_html.fromstring(html).text_content().split())


@tagged("post_install", "-at_install")
class TestCreditCaseFile(CreditCollectionCommon, HttpCase):
    """The legal hand-off: a ZIP that holds what it lists, and figures (CSV,
    summary) that match the invoices to the cent. (An HttpCase: wkhtmltopdf
    fetches the report's styles from the test server, which serves requests
    only during HTTP tests.)"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"company_registry": "98765416700012", "vat": "FR28987654167"}
        )
        cls.scenario.write(
            {
                "interest_policy": "statutory",
                "interest_jurisdiction": "FR",
                "apply_recovery_indemnity": True,
                "recovery_indemnity_currency_id": cls.company.currency_id.id,
            }
        )
        cls.customer.write(
            {
                "country_id": cls.env.ref("base.fr").id,
                "company_registry": "552100554",
                "vat": "FR96552100554",
                "ref": "C-0042",
            }
        )
        # Invoice 1: 1,000 due 1 Dec 2025, reminded, promised, never paid.
        cls.invoice_1 = cls.make_invoice(cls.customer, 1000, "2025-12-01")
        cls.notice = cls._run_dunning_once("2025-12-08").filtered(
            lambda n: n.partner_id == cls.customer
        )
        cls.notice.registered_letter_number = "1A 234 567 8901 2"
        cls.promise = cls.env["credit.promise"].create(
            {
                "partner_id": cls.customer.id,
                "move_ids": [Command.set(cls.invoice_1.ids)],
                "amount": 1000,
                "promise_date": date(2026, 1, 15),
            }
        )
        cls.env["credit.promise"]._credit_detect_broken(date(2026, 1, 20), cls.company)
        # Invoice 2: 2,000 due 5 Jan 2026, 500 paid on 20 Jan, disputed.
        cls.invoice_2 = cls.make_invoice(cls.customer, 2000, "2026-01-05")
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.invoice_2.ids
        ).create({"amount": 500, "payment_date": date(2026, 1, 20)})._create_payments()
        cls.dispute = cls.env["credit.dispute"].create(
            {
                "move_id": cls.invoice_2.id,
                "reason": "quality",
                "description": "Scratched panels",
            }
        )
        # Invoice 3: not due yet on the case file's date.
        cls.invoice_3 = cls.make_invoice(cls.customer, 300, "2026-04-30")

    @classmethod
    def _run_dunning_once(cls, day):
        """The daily run on ``day`` (set-up: the helper of the common class
        is an instance method)."""
        with freeze_time(day):
            run = (
                cls.env["credit.dunning.run"]
                .sudo()
                .create({"company_id": cls.company.id, "date": day})
            )
            while run.state == "running":
                run._credit_process_batch()
            run_email_job(cls.env["credit.notice"].sudo())
        return cls.env["credit.notice"].search([("date", "=", day)])

    def wizard(self, partners, company=None, user=None, **values):
        Wizard = self.env["credit.case.file"]
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.create(
            dict(
                {
                    "partner_ids": [Command.set(partners.ids)],
                    "company_id": (company or self.company).id,
                    "date": date(2026, 3, 2),
                },
                **values,
            )
        )

    def case(self, partner, company=None):
        wizard = self.wizard(partner, company=company)
        return wizard.with_company(wizard.company_id)._credit_case_data(partner)

    def csv_rows(self, case):
        content = self.env["credit.case.file"]._credit_csv_content(case)
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark")
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
        return list(reader)

    def summary_text(self, partner, wizard=None):
        """The summary as the wizard renders it: from the records, for the
        wizard's company and date."""
        wizard = wizard or self.wizard(partner)
        html, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            SUMMARY_REPORT, partner.ids, data={"case_file_id": wizard.id}
        )
        return plain_text(html.decode())

    # ------------------------------------------------------------------

    def test_case_data_amounts_to_the_cent(self):
        self.assertEqual(self.notice.state, "sent")
        self.assertEqual(self.promise.state, "broken")
        case = self.case(self.customer)
        rows = {row["number"]: row for row in case["invoices"]}
        self.assertEqual(set(rows), {self.invoice_1.name, self.invoice_2.name})
        row_1, row_2 = rows[self.invoice_1.name], rows[self.invoice_2.name]
        # ECB 2.15 % + 10 points: 91 days x 1,000 x 12.15 % / 365 = 30.2918
        self.assertEqual(row_1["interest"], 30.29)
        self.assertEqual(row_1["days_overdue"], 91)
        # 15 days x 2,000 + 41 days x 1,500 at 12.15 % = 9.9863 + 20.4719
        self.assertEqual(row_2["residual"], 1500.0)
        self.assertEqual(row_2["interest"], 30.46)
        self.assertEqual(row_2["days_overdue"], 56)
        self.assertTrue(row_2["disputed"])
        self.assertEqual(row_1["indemnity"], 40.0)
        self.assertEqual(row_1["limitation_date"], date(2030, 12, 1))
        self.assertFalse(row_1["limitation_warning"])
        [total] = case["totals"]
        self.assertEqual(
            (total["principal"], total["interest"], total["indemnity"], total["total"]),
            (2500.0, 60.75, 80.0, 2640.75),
        )
        self.assertEqual(case["debtor"]["siren"], "552100554")
        self.assertEqual(case["creditor"]["siren"], "987654167")
        self.assertEqual(
            [r["registered_letter_number"] for r in case["reminders"]],
            ["1A 234 567 8901 2"],
        )
        self.assertEqual([p["amount"] for p in case["broken_promises"]], [1000.0])
        self.assertEqual(
            [(d["invoice"], d["state"]) for d in case["disputes"]],
            [(self.invoice_2.name, "Open")],
        )

    def test_csv_one_row_per_overdue_invoice(self):
        rows = self.csv_rows(self.case(self.customer))
        self.assertEqual(
            [row["invoice"] for row in rows], [self.invoice_1.name, self.invoice_2.name]
        )
        self.assertEqual(
            [
                (r["amount_residual"], r["late_interest"], r["recovery_indemnity"])
                for r in rows
            ],
            [("1000,00", "30,29", "40,00"), ("1500,00", "30,46", "40,00")],
        )
        self.assertEqual(rows[1]["total_claimed"], "1570,46")
        self.assertEqual(rows[0]["debtor_siren"], "552100554")
        self.assertEqual(rows[0]["debtor_vat"], "FR96552100554")
        self.assertEqual(rows[0]["due_date"], "2025-12-01")
        self.assertEqual(rows[0]["limitation_date"], "2030-12-01")
        self.assertEqual(rows[1]["disputed"], "1")

    def test_summary_states_debtor_reminders_promises_disputes(self):
        text = self.summary_text(self.customer)
        self.assertIn("SIREN: 552100554", text)
        self.assertIn("Dupont Industries", text)
        self.assertIn(self.notice.name, text)
        self.assertIn("1A 234 567 8901 2", text)
        self.assertIn(self.notice.channel_summary, text)
        self.assertIn("First", text)  # the level of the reminder
        self.assertIn("01/15/2026", text)  # the broken promise's date
        self.assertIn("Quality of goods or services", text)
        self.assertNotIn("No broken promise", text)
        self.assertNotIn(self.invoice_3.name, text)

    @mute_logger(*REPORT_LOGGERS)
    def test_zip_contains_what_it_lists(self):
        with freeze_time("2026-03-02"):
            wizard = self.wizard(self.customer, user=self.collector)
            action = wizard.with_context(force_report_rendering=True).action_generate()
        attachment = wizard.attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("res.partner", self.customer.id)
        )
        message = self.customer.message_ids.filtered(
            lambda m: attachment in m.attachment_ids
        )
        self.assertEqual(message.author_id, self.collector.partner_id)
        self.assertIn("2 overdue invoices", message.body)

        archive = zipfile.ZipFile(io.BytesIO(attachment.raw))
        names = set(archive.namelist())
        invoice_1 = "invoices/" + self.invoice_1.name.replace("/", "_") + ".pdf"
        notice = "notices/" + self.notice.name.replace("/", "_") + ".pdf"
        self.assertIn(invoice_1, names)
        self.assertIn(notice, names)
        self.assertEqual(len(names), 6)  # summary, CSV, 2 invoices, 1 letter, list
        for name in names:
            if name.endswith(".pdf"):
                self.assertTrue(archive.read(name).startswith(b"%PDF"), name)

        # the manifest lists every other file with its checksum
        manifest = archive.read("MANIFEST.txt").decode()
        listed = {}
        for line in manifest.splitlines():
            if line and not line.startswith("#"):
                checksum, path = line.split("  ", 1)
                listed[path] = checksum
        self.assertEqual(set(listed), names - {"MANIFEST.txt"})
        for path, checksum in listed.items():
            self.assertEqual(hashlib.sha256(archive.read(path)).hexdigest(), checksum)

        # the summary lists the enclosed files, and each of them is there
        case = wizard.with_company(self.company)._credit_case_data(self.customer)
        summary = self.summary_text(self.customer, wizard)
        enclosed = [e["path"] for e in case["files"] if e["kind"] != "summary"]
        self.assertEqual(set(enclosed), names - {"summary.pdf"})
        for path in enclosed:
            self.assertIn(path, summary)
        # The PDF is the summary rendered (its text is checked on the HTML
        # above: wkhtmltopdf draws web fonts as shapes, not extractable text).
        reader = PdfFileReader(io.BytesIO(archive.read("summary.pdf")), strict=False)
        self.assertGreaterEqual(len(reader.pages), 1)

        rows = list(
            csv.DictReader(
                io.StringIO(archive.read("case_file.csv").decode("utf-8-sig")),
                delimiter=";",
            )
        )
        self.assertEqual(len(rows), 2)

    def test_limitation_date_within_six_months_is_flagged(self):
        # a consumer: 2 years (older business invoices need older rates)
        customer = self._customer("Louis Ancien", is_company=False)
        old = self.make_invoice(customer, 400, "2024-05-01")
        recent = self.make_invoice(customer, 600, "2026-01-31")
        case = self.case(customer)
        flags = {row["number"]: row["limitation_warning"] for row in case["invoices"]}
        self.assertEqual(flags, {old.name: True, recent.name: False})
        self.assertEqual(case["limitation_warnings"], 1)
        rows = self.csv_rows(case)
        self.assertEqual(
            [(r["limitation_date"], r["limitation_warning"]) for r in rows],
            [("2026-05-01", "1"), ("2028-01-31", "0")],
        )
        self.assertIn("less than 6 months left", self.summary_text(customer))

    def test_without_pdfs_of_invoices_and_letters(self):
        wizard = self.wizard(
            self.customer, include_invoices=False, include_notices=False
        )
        case = wizard._credit_case_data(self.customer)
        self.assertEqual(
            [entry["path"] for entry in case["files"]],
            ["summary.pdf", "case_file.csv", "MANIFEST.txt"],
        )

    def test_consumer_has_no_indemnity(self):
        consumer = self._customer("Jeanne Martin", is_company=False)
        invoice = self.make_invoice(consumer, 500, "2026-01-10")
        case = self.case(consumer)
        [row] = case["invoices"]
        self.assertEqual(row["number"], invoice.name)
        self.assertIsNone(row["indemnity"])
        # a consumer owes interest only from a formal notice: none was sent
        self.assertEqual(row["interest"], 0.0)
        self.assertEqual(row["limitation_date"], date(2028, 1, 10))
        [csv_row] = self.csv_rows(case)
        self.assertEqual(csv_row["recovery_indemnity"], "")
        self.assertEqual(csv_row["debtor_type"], "consumer")
        self.assertEqual(case["totals"][0]["indemnity"], 0.0)

    def test_only_the_wizard_company(self):
        other = self.setup_other_company(name="Other Co")["company"]
        shared = self.env["res.partner"].create(
            {"name": "Shared SARL", "is_company": True}
        )
        mine = self.make_invoice(shared, 1000, "2026-01-15")
        theirs = self.make_invoice(shared, 700, "2026-01-15", company=other)
        case = self.case(shared)
        self.assertEqual([row["number"] for row in case["invoices"]], [mine.name])
        other_case = self.case(shared, company=other)
        self.assertEqual([row["move_id"] for row in other_case["invoices"]], theirs.ids)
        self.assertEqual(other_case["creditor"]["name"], "Other Co")
        # a controller of the first company cannot export the other one's
        wizard = self.wizard(shared, company=other, user=self.collector)
        with self.assertRaisesRegex(AccessError, "cannot export"):
            wizard.action_generate()

    def test_nothing_overdue_raises(self):
        customer = self._customer("Ponctuel SA")
        self.make_invoice(customer, 800, "2026-04-30")
        with self.assertRaisesRegex(UserError, "no overdue invoice"):
            self.wizard(customer).action_generate()
        self.assertFalse(customer.message_ids.attachment_ids)

    def test_controllers_only(self):
        billing = new_test_user(
            self.env,
            login="bill",
            groups="base.group_user,account.group_account_invoice",
            name="Bill Billing",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.wizard(self.customer, user=billing)

    def test_missing_rate_is_an_error_not_a_wrong_interest(self):
        wizard = self.wizard(self.customer, date=date(2026, 8, 1))
        with self.assertRaisesRegex(UserError, "is missing"):
            wizard._credit_case_data(self.customer)


@tagged("post_install", "-at_install")
class TestCreditLimitationDate(CreditCollectionCommon):
    """The limitation date of each invoice and the warning 6 months before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.consumer = cls._customer("Paul Durand", is_company=False)
        # both time-barred on 30 June 2026
        cls.business_invoice = cls.make_invoice(cls.customer, 100, "2021-06-30")
        cls.consumer_invoice = cls.make_invoice(cls.consumer, 100, "2024-06-30")

    def limitation(self, invoice, today):
        with freeze_time(today):
            invoice.invalidate_recordset(
                ["credit_limitation_date", "credit_limitation_warning"]
            )
            return invoice.credit_limitation_date, invoice.credit_limitation_warning

    def test_commercial_five_years_consumer_two_years(self):
        for invoice in (self.business_invoice, self.consumer_invoice):
            self.assertEqual(
                self.limitation(invoice, "2025-06-01"), (date(2026, 6, 30), False)
            )

    def test_warning_from_six_months_before(self):
        for invoice in (self.business_invoice, self.consumer_invoice):
            self.assertEqual(self.limitation(invoice, "2025-12-29")[1], False)
            self.assertEqual(self.limitation(invoice, "2025-12-30")[1], True)
            self.assertEqual(self.limitation(invoice, "2026-07-15")[1], True)

    def test_no_warning_once_paid(self):
        self.pay(self.business_invoice)
        self.assertEqual(
            self.limitation(self.business_invoice, "2026-01-15"),
            (date(2026, 6, 30), False),
        )

    def test_receivables_list_shows_it(self):
        action = self.env.ref("credit_collection.account_move_action_receivables")
        arch = self.env["account.move"].get_view(action.view_id.id, "list")["arch"]
        self.assertIn('name="credit_limitation_date"', arch)
        self.assertIn("decoration-warning", arch)
        form = self.env["account.move"].get_view(
            self.env.ref("account.view_move_form").id, "form"
        )["arch"]
        self.assertIn('name="credit_limitation_date"', form)
