import base64
import io
import subprocess
import tempfile

from freezegun import freeze_time
from lxml import html as lxml_html
from markupsafe import escape

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import file_open
from odoo.tools.pdf import PdfFileReader

from odoo.addons.credit_collection.tools.amount_words import amount_in_words

from ..compat import wkhtmltopdf_reaches_test_server
from ..models import ir_actions_report
from .common import (
    REPORT_LOGGERS,
    CreditCollectionCommon,
    load_french,
    run_email_job,
)

REPORT = "credit_collection.action_report_credit_notice"


def plain_text(html):
    """The visible text of a rendered report, whitespace collapsed."""
    return " ".join(lxml_html.fromstring(html).text_content().split())


def pdf_pages(content):
    """The drawing of each page of a PDF: a merged PDF keeps the pages of
    its parts as they are."""
    reader = PdfFileReader(io.BytesIO(content), strict=False)
    return [page.get_contents().get_data() for page in reader.pages]


def poppler(command, content, *args):
    """The output of a poppler tool (pdffonts, pdftotext) on a PDF."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf_file:
        pdf_file.write(content)
        pdf_file.flush()
        return subprocess.run(
            [command, *args, pdf_file.name, *(["-"] if command == "pdftotext" else [])],
            capture_output=True,
            check=True,
            encoding="utf-8",
        ).stdout


def pdf_words(content, page=1):
    """[(word, x, y)] on a page of a PDF, x and y of the word's top left
    corner in mm from the page's top left corner."""
    html = poppler("pdftotext", content, "-bbox", "-f", str(page), "-l", str(page))
    return [
        (
            word.text_content(),
            float(word.get("xmin")) * 25.4 / 72,
            float(word.get("ymin")) * 25.4 / 72,
        )
        for word in lxml_html.fromstring(html.encode()).iter("word")
    ]


@tagged("post_install", "-at_install")
class TestCreditLetters(CreditCollectionCommon, HttpCase):
    """The dunning letters rendered for real notices of the engine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "company_registry": "98765416700012",
                "vat": "FR28987654167",
                "city": "Lyon",
            }
        )
        cls.bank_account = cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR76 3000 6000 0112 3456 7890 189",
                "partner_id": cls.company.partner_id.id,
                "bank_id": cls.env["res.bank"]
                .create({"name": "Banque Test", "bic": "CCBPFRPPLYO"})
                .id,
            }
        )
        cls.scenario.write(
            {
                "interest_policy": "statutory",
                "interest_jurisdiction": "FR",
                "apply_recovery_indemnity": True,
            }
        )

    def render_html(self, notices):
        html, report_type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, notices.ids
        )
        self.assertEqual(report_type, "html")
        return html.decode()

    def render_text(self, notices):
        return plain_text(self.render_html(notices))

    @mute_logger(*REPORT_LOGGERS)  # wkhtmltopdf notes
    def render_pdf(self, notices):
        content, report_type = (
            notices.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, notices.ids)
        )
        self.assertEqual(report_type, "pdf")
        return content

    def notice_at(self, partner, amount, level_day, due="2026-03-02"):
        """The notice ``partner`` gets on ``level_day`` for one invoice."""
        invoice = self.make_invoice(partner, amount, due)
        notice = self.run_dunning(level_day).filtered(lambda n: n.partner_id == partner)
        self.assertEqual(len(notice), 1)
        return invoice, notice

    def letter(self, notice):
        return self.env[
            "report.credit_collection.report_credit_notice"
        ]._get_report_values(notice.ids)["letters"][notice.id]

    # ------------------------------------------------------------------

    def test_first_reminder_lists_the_invoices_with_amounts_and_words(self):
        invoice, notice = self.notice_at(self.customer, 1250, "2026-03-09")
        self.assertEqual(notice.level_id.letter_type, "first")
        text = self.render_text(notice)
        self.assertIn("Payment reminder", text)
        self.assertIn(invoice.name, text)
        self.assertIn("Accounts payable Dupont Industries", text)
        self.assertIn("Our reference: " + notice.name, text)
        self.assertIn("1,250.00", text)
        self.assertIn("03/02/2026", text)  # due date
        self.assertIn("03/17/2026", text)  # deadline: 8 days after the letter
        self.assertNotIn("Formal notice", text)
        letter = self.letter(notice)
        self.assertEqual(letter["rows"][0]["days_overdue"], 7)
        self.assertEqual(letter["total_residual"], 1250)
        # 7 days of ECB + 10 points, and the 40 EUR indemnity of a business
        interest = invoice._credit_late_interest(notice.date, self.scenario)[invoice]
        self.assertGreater(interest["amount"], 0)
        self.assertAlmostEqual(letter["total_interest"], interest["amount"])
        self.assertGreater(letter["total_indemnity"], 0)
        self.assertAlmostEqual(
            letter["total_due"],
            1250 + letter["total_interest"] + letter["total_indemnity"],
        )
        self.assertIn(
            amount_in_words(letter["total_due"], notice.currency_id.name, "en_US"),
            text,
        )
        self.assertIn("Late interest", text)
        self.assertIn("Recovery indemnity", text)

    def test_business_letters_carry_the_legal_mentions(self):
        _invoice, notice = self.notice_at(self.customer, 800, "2026-03-09")
        text = self.render_text(notice)
        self.assertIn("article L441-10 of the French Commercial Code", text)
        self.assertIn("(articles L441-10 and D441-5 of the French Commercial", text)
        self.assertIn("SIREN 987 654 167", text)
        self.assertIn("VAT FR28987654167", text)
        # the penalty rate: the ECB rate of the half-year plus 10 points
        self.assertIn("that is 12.15 % a year for the first half of 2026", text)

    def test_customer_number_is_the_customers_reference(self):
        self.customer.ref = "CLI-042"
        _invoice, notice = self.notice_at(self.customer, 800, "2026-03-09")
        self.assertIn("Customer number: CLI-042", self.render_text(notice))
        # without a reference, a code of the sequence, kept: never the id
        other = self._customer("Martin Transports")
        _invoice, notice = self.notice_at(other, 500, "2026-03-09")
        number = self.letter(notice)["customer_reference"]
        self.assertRegex(number, r"^C\d{5}$")
        self.assertEqual(other.ref, number)
        self.assertNotEqual(number, str(other.id))
        self.assertEqual(self.letter(notice)["customer_reference"], number)
        self.assertIn(f"Customer number: {number}", self.render_text(notice))

    def test_consumer_letters_have_no_business_mentions(self):
        consumer = self._customer("Julien Moreau", is_company=False)
        _invoice, notice = self.notice_at(consumer, 800, "2026-03-09")
        text = self.render_text(notice)
        self.assertNotIn("L441-10", text)
        self.assertNotIn("indemnity for recovery costs", text)
        self.assertNotIn("penalties", text)
        letter = self.letter(notice)
        self.assertFalse(letter["is_business"])
        # no indemnity for consumers, no interest before a formal notice
        self.assertEqual(letter["total_indemnity"], 0)
        self.assertEqual(letter["total_interest"], 0)

    def test_formal_notice_title_registered_letter_and_deadline(self):
        invoice = self.make_invoice(self.customer, 2000, "2026-03-02")
        for day in ("2026-03-09", "2026-03-22"):
            self.run_dunning(day)
        notice = self.run_dunning("2026-04-06")
        self.assertEqual(notice.level_id.letter_type, "formal")
        notice.registered_letter_number = "1A 123 456 7890 1"
        text = self.render_text(notice)
        self.assertIn("Formal notice to pay", text)
        self.assertIn(
            "Registered letter with acknowledgement of receipt No. 1A 123 456 7890 1",
            text,
        )
        self.assertIn("at the latest by 04/14/2026.", text)
        self.assertIn("article 1344 of the French Civil Code", text)
        self.assertIn("Civil Code, article 1344", text)
        self.assertIn("Commercial Code, articles L441-10 and D441-5", text)
        self.assertIn(invoice.name, text)
        letter = self.letter(notice)
        self.assertEqual(letter["rows"][0]["days_overdue"], 35)
        self.assertIn(
            self.env["ir.qweb.field.monetary"].value_to_html(
                letter["total_due"], {"display_currency": notice.currency_id}
            ),
            self.render_html(notice),
        )

    def test_second_and_final_letters_have_their_own_text(self):
        final = self.env["credit.dunning.level"].create(
            {
                "scenario_id": self.scenario.id,
                "name": "Legal",
                "days_offset": 60,
                "escalation_stage": "legal",
                "send_email": False,
            }
        )
        self.assertEqual(final.letter_type, "final")
        self.assertEqual(self.level_second.letter_type, "second")
        self.assertEqual(self.level_courtesy.letter_type, "courtesy")
        self.make_invoice(self.customer, 500, "2026-03-02")
        courtesy = self.run_dunning("2026-02-25")
        self.assertIn("Upcoming payment reminder", self.render_text(courtesy))
        self.run_dunning("2026-03-09")
        second = self.run_dunning("2026-03-22")
        self.assertIn("Second payment reminder", self.render_text(second))
        formal = self.run_dunning("2026-04-06")
        # The hand-off waits for the formal notice to go out.
        self.assertFalse(self.run_dunning("2026-04-20"))
        with freeze_time("2026-04-07"):
            formal.action_validate()
        last = self.run_dunning("2026-05-01")
        self.assertEqual(last.level_id, final)
        text = self.render_text(last)
        self.assertIn("Final notice before legal action", text)
        self.assertIn("handed over for legal proceedings", text)

    def test_missing_reference_rate_stops_the_letter(self):
        # Interest of July 2026 needs the ECB rate of 2026-H2, not loaded.
        self.make_invoice(self.customer, 1000, "2026-06-01")
        notice = self.run_dunning("2026-06-08")
        notice.date = "2026-07-20"
        with self.assertRaisesRegex(UserError, "H2 2026.*Interest Rates"):
            self.letter(notice)

    def test_french_customer_gets_a_french_letter(self):
        self.scenario.write(
            {"interest_policy": "none", "apply_recovery_indemnity": False}
        )
        load_french(self.env)
        french = self._customer("Boulangeries Martin", lang="fr_FR")
        french.child_ids.lang = "fr_FR"
        _invoice, notice = self.notice_at(french, 1250, "2026-03-09")
        html = self.render_html(notice)
        self.assertIn('data-oe-lang="fr_FR"', html)
        text = plain_text(html)
        letter = self.letter(notice)
        self.assertEqual(letter["lang"], "fr_FR")
        # French words for the amount, nothing English in between.
        self.assertEqual(letter["total_due"], 1250.0)
        self.assertIn("Mille deux cent cinquante dollars", text)
        self.assertNotIn(" and ", text)
        self.assertIn("Relance de paiement", text)
        self.assertIn("Madame, Monsieur,", text)
        self.assertIn("02/03/2026", text)  # French dates
        self.assertIn("9 mars 2026", text)
        # ...while an English customer's letter of the same day is in English
        _invoice, english = self.notice_at(self.customer, 1250, "2026-03-09")
        self.assertIn(
            "One thousand, two hundred and fifty dollars", self.render_text(english)
        )

    def test_level_text_placeholders_are_filled_and_escaped(self):
        self.level_first.letter_body = (
            "<p>Dear {partner}, please pay {total} ({total_in_words}) by "
            "{deadline} for notice {notice}. {unknown}</p>"
        )
        partner = self._customer("Dupont <b>& Fils</b>")
        _invoice, notice = self.notice_at(partner, 100, "2026-03-09")
        html = self.render_html(notice)
        self.assertIn(str(escape("Dupont <b>& Fils</b>")), html)
        self.assertNotIn("<b>& Fils</b>", html)
        self.assertIn("{unknown}", html)
        text = plain_text(html)
        self.assertIn(f"for notice {notice.name}.", text)
        self.assertIn("by 03/17/2026", text)
        self.assertNotIn("Unless we are mistaken", text)  # the standard text

    def test_payment_block_with_bank_account_and_online_payment(self):
        _invoice, notice = self.notice_at(self.customer, 300, "2026-03-09")
        text = self.render_text(notice)
        self.assertIn("IBAN FR76 3000 6000 0112 3456 7890 189", text)
        self.assertIn("BIC CCBPFRPPLYO", text)
        self.assertIn(f"Payment reference: {notice.name}", text)
        self.assertNotIn("Pay online", text)
        self.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", "True"
        )
        self.env["payment.provider"].sudo().create(
            {"name": "Test card", "state": "test", "company_id": self.company.id}
        )
        html = self.render_html(notice)
        self.assertRegex(html, rf"/my/credit/notices/{notice.id}\?access_token=[\w-]+")
        self.assertIn('src="data:image/png;base64,', html)
        self.assertIn("Pay online", plain_text(html))

    def test_batch_print_is_one_pdf_with_one_letter_per_customer(self):
        other = self._customer("Martin Transports")
        self.make_invoice(self.customer, 1000, "2026-03-02")
        self.make_invoice(other, 500, "2026-03-02")
        notices = self.run_dunning("2026-03-09")
        self.assertEqual(len(notices), 2)
        batch = pdf_pages(self.render_pdf(notices))
        # each letter is rendered alone, stored on its sent notice, and
        # starts on a new page of the batch
        report = self.env.ref(REPORT)
        letters = [pdf_pages(report.retrieve_attachment(n).raw) for n in notices]
        self.assertEqual(batch, letters[0] + letters[1])
        self.assertNotEqual(letters[0], letters[1])
        action = notices.with_user(self.collector).action_print_letters()
        self.assertEqual(
            action["report_name"], "credit_collection.report_credit_notice"
        )
        self.assertEqual(action["context"]["active_ids"], notices.ids)

    def test_letters_rendered_side_by_side_come_in_order(self):
        customers = [self.customer] + [
            self._customer(name) for name in ("Martin Transports", "Petit Fils SARL")
        ]
        for amount, customer in enumerate(customers, start=1):
            self.make_invoice(customer, 1000 * amount, "2026-03-02")
        notices = self.run_dunning("2026-03-09")
        notices = notices.sorted(lambda notice: -notice.amount_total)
        self.assertEqual(len(notices), 3)
        # No stored letter: every rendering runs wkhtmltopdf.
        self.env["ir.config_parameter"].sudo().set_param("report.print_delay", "100")
        renderings = {}
        for workers in ("1", "3"):
            self.env["ir.config_parameter"].sudo().set_param(
                "credit_collection.pdf_workers", workers
            )
            with wkhtmltopdf_reaches_test_server(self, ir_actions_report):
                pdf = self.render_pdf(
                    notices.with_context(report_pdf_no_attachment=True)
                )
            renderings[workers] = pdf_pages(pdf)
        # Compared whole: a diff of the pages' drawings takes minutes.
        self.assertTrue(renderings["1"] == renderings["3"])
        alone = [
            pdf_pages(
                self.render_pdf(notice.with_context(report_pdf_no_attachment=True))
            )
            for notice in notices
        ]
        self.assertEqual(len({pages[0] for pages in alone}), 3)
        self.assertTrue(renderings["3"] == alone[0] + alone[1] + alone[2])

    def test_sent_notice_keeps_its_pdf_letter(self):
        self.make_invoice(self.customer, 2000, "2026-03-02")
        for day in ("2026-03-09", "2026-03-22"):
            self.run_dunning(day)
        notice = self.run_dunning("2026-04-06")
        self.assertEqual(notice.state, "to_validate")
        self.assertFalse(notice.letter_attachment_id)
        with mute_logger(*REPORT_LOGGERS):
            notice.with_context(force_report_rendering=True).action_validate()
        self.assertEqual(notice.state, "sent")
        attachment = notice.letter_attachment_id
        self.assertTrue(attachment)
        self.assertEqual(attachment.name, f"Notice - {notice.name}.pdf")
        self.assertEqual(attachment.mimetype, "application/pdf")
        self.assertEqual(
            (attachment.res_model, attachment.res_id), (notice._name, notice.id)
        )
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        self.assertTrue(pdf_pages(attachment.raw))
        # printing again gives the stored letter, not a new one
        count = self.env["ir.attachment"].search_count(
            [("res_model", "=", notice._name), ("res_id", "=", notice.id)]
        )
        with mute_logger(*REPORT_LOGGERS):
            content, _type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(REPORT, notice.ids)
            )
        self.assertEqual(content, attachment.raw)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", notice._name), ("res_id", "=", notice.id)]
            ),
            count,
        )

    def test_each_notice_of_a_run_gets_its_own_letter(self):
        self.level_first.print_letter = True
        other = self._customer("Martin Transports")
        self.make_invoice(self.customer, 1000, "2026-03-02")
        self.make_invoice(other, 500, "2026-03-02")
        notices = self.run_dunning("2026-03-09", send_pending=False)
        self.assertEqual(len(notices), 2)
        self.assertEqual(set(notices.mapped("state")), {"sent"})
        # The run leaves the PDFs to the email job, which stores them.
        self.assertEqual(notices.mapped("letter_pending"), [True, True])
        self.assertFalse(notices.letter_attachment_id)
        Notice = self.env["credit.notice"].with_context(force_report_rendering=True)
        with (
            freeze_time("2026-03-09"),
            mute_logger(*REPORT_LOGGERS),
        ):
            run_email_job(Notice)
        self.assertEqual(notices.mapped("letter_pending"), [False, False])
        self.assertEqual(notices.mapped("letter_to_print"), [True, True])
        self.assertEqual(len(notices.letter_attachment_id), 2)
        for notice in notices:
            self.assertEqual(
                notice.letter_attachment_id.name, f"Notice - {notice.name}.pdf"
            )
            self.assertEqual(notice.letter_attachment_id.res_id, notice.id)
            self.assertTrue(pdf_pages(notice.letter_attachment_id.raw))
        self.assertNotEqual(*notices.letter_attachment_id.mapped("checksum"))

    def test_letter_pdf_is_text_with_fonts_and_small(self):
        self.company.partner_id.image_1920 = base64.b64encode(
            file_open(
                "credit_collection/static/img/clairval_logo_demo.png", "rb"
            ).read()
        )
        invoice, notice = self.notice_at(self.customer, 1250, "2026-03-09")
        content = self.render_pdf(notice.with_context(report_pdf_no_attachment=True))
        fonts = poppler("pdffonts", content).splitlines()[2:]
        self.assertTrue(fonts, "the text is drawn as shapes: no font in the PDF")
        self.assertLess(len(content), 300 * 1024)
        text = " ".join(poppler("pdftotext", content).split())
        self.assertIn(invoice.name, text)
        self.assertIn(f"Our reference: {notice.name}", text)
        self.assertIn("SIREN 987 654 167", text)
        # First page: the letterhead at the top left, the customer's address
        # in the window of a French DL envelope (110 mm from the left, 45 mm
        # from the top).
        words = pdf_words(content)
        # the first word of the address block: "Dupont Industries, Accounts..."
        x, y = min(
            ((x, y) for word, x, y in words if word == "Dupont" and x > 90),
            key=lambda position: position[1],
        )
        self.assertAlmostEqual(x, 110, delta=3)
        self.assertAlmostEqual(y, 45, delta=3)
        [(x, y)] = [(x, y) for word, x, y in words if word == "SIREN"]
        self.assertLess(x, 100)
        self.assertLess(y, 60)

    def test_signature_never_alone_on_the_last_page(self):
        invoices = [
            self.make_invoice(self.customer, 100 + day, f"2026-03-{day:02d}")
            for day in range(1, 25)
        ]
        notice = self.run_dunning("2026-03-31")
        self.assertEqual(len(notice.line_ids), len(invoices))
        content = self.render_pdf(notice.with_context(report_pdf_no_attachment=True))
        pages = len(pdf_pages(content))
        self.assertGreater(pages, 1)
        last = poppler("pdftotext", content, "-f", str(pages), "-l", str(pages))
        for text in ("Total to pay", "How to pay", "Yours faithfully"):
            self.assertIn(text, last)
        self.assertIn(self.collector.name, last)
