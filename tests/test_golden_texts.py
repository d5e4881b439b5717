"""Golden texts: the words a customer reads at each level, kept in files.

For a fixed ledger (two invoices of a French and of an English customer,
frozen dates), the engine climbs the scenario one level at a time; the
letter and the email of every level, in French and in English, are
compared with ``tests/golden/<level>_<lang>_letter.txt`` and
``<level>_<lang>_email.txt``, so that any change of wording is deliberate.
Notice numbers and links are replaced by placeholders first. An email is
compared as its subject and the body its template renders, without Odoo's
layout around it: that layout and its translation are core's and differ
between Odoo 18 and 19.

To regenerate after a deliberate change of wording, run this class with
``CC_GOLDEN_WRITE=1`` in the environment (the files are written into the
module's source tree), then read the ``git diff`` of ``tests/golden``::

    CC_GOLDEN_WRITE=1 CC_TEST_TAGS=/credit_collection:TestGoldenTexts scripts/test.sh
"""

import difflib
import os
import re

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import tagged

from .common import CreditCollectionCommon

GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")
REPORT = "credit_collection.action_report_credit_notice"
# Notice numbers come from a sequence, links carry access tokens and ids.
NOTICE_NUMBER = re.compile(r"\b[A-Z]+[/-]\d{4}[/-]\d+\b")
URL = re.compile(r"https?://\S+")
BLOCKS = {"br", "p", "div", "table", "tr", "td", "th", "li", "h1", "h2", "h3", "h4"}
# One sentence a line: readable files and readable diffs.
SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[A-ZÀ-Ý])")

# (letter type, run day, validation needed) of each level, in order.
STEPS = (
    ("courtesy", "2026-02-25", False),
    ("first", "2026-03-09", False),
    ("second", "2026-03-22", False),
    ("formal", "2026-04-06", True),
    ("final", "2026-05-01", True),
)


def visible_text(html):
    """The text a reader sees in ``html``: no script, style or title, words
    of two blocks kept apart, whitespace collapsed, one sentence a line."""
    document = lxml_html.fromstring(html)
    hidden = "//*[contains(translate(@style, ' ', ''), 'display:none')]"
    for element in document.xpath(f"//script | //style | //title | {hidden}"):
        element.drop_tree()
    for element in document.iter(*BLOCKS):
        element.tail = " " + (element.tail or "")
    return SENTENCE_END.sub("\n", " ".join(document.text_content().split()))


def normalize(text, invoices):
    """``text`` without what changes from one database to another."""
    for number, invoice in enumerate(invoices, 1):
        text = text.replace(invoice.name, f"<INVOICE {number}>")
    text = URL.sub("<URL>", text)
    return NOTICE_NUMBER.sub("<NOTICE>", text)


@tagged("post_install", "-at_install")
class TestGoldenTexts(CreditCollectionCommon):
    """The letter and the email of each level, word for word, in French and
    in English (see the module docstring to regenerate the expected texts)."""

    country_code = "FR"  # a French company, in euros

    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("fr_FR")
        # Odoo's own French of the email layout, as a French database has it.
        self.env["ir.module.module"]._load_module_terms(["mail"], ["fr_FR"])
        self.company.write(
            {
                "name": "Ferronnerie Delorme SAS",
                "street": "12 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "email": "compta@delorme.example.com",
                "phone": "+33 4 72 00 00 00",
                "company_registry": "98765416700012",
                "vat": "FR28987654167",
            }
        )
        self.collector.name = "Camille Petit"
        # The delivered French B2B scenario's claims, and its hand-off level.
        self.scenario.write(
            {
                "interest_policy": "statutory",
                "interest_jurisdiction": "FR",
                "apply_recovery_indemnity": True,
            }
        )
        self.level_final = self.env["credit.dunning.level"].create(
            {
                "scenario_id": self.scenario.id,
                "name": "Hand-off to collection",
                "days_offset": 60,
                "email_template_id": self.env.ref(
                    "credit_collection.mail_template_notice_final"
                ).id,
                "print_letter": True,
                "escalation_stage": "legal",
                "min_days_after_previous": 15,
                "validation_required": True,
            }
        )
        # Level names as the delivered levels have them, in both languages.
        for level, english, french in (
            (self.level_courtesy, "Courtesy reminder", "Rappel de courtoisie"),
            (self.level_first, "First reminder", "Première relance"),
            (self.level_second, "Second reminder", "Deuxième relance"),
            (self.level_formal, "Formal notice", "Mise en demeure"),
            (
                self.level_final,
                "Hand-off to collection",
                "Transmission au recouvrement contentieux",
            ),
        ):
            level.update_field_translations("name", {"en_US": english, "fr_FR": french})
        english_address = {
            "street": "5 High Street",
            "zip": "EC1A 1BB",
            "city": "London",
            "country_id": self.env.ref("base.uk").id,
        }
        self.customer.write(dict(english_address, ref="C-EN-001"))
        self.customer.child_ids.write(dict(english_address, name="Alice Brown"))
        french_address = {
            "street": "8 place Bellecour",
            "zip": "69002",
            "city": "Lyon",
            "country_id": self.env.ref("base.fr").id,
        }
        self.french = self._customer(
            "Boulangeries Martin", lang="fr_FR", ref="C-FR-001", **french_address
        )
        self.french.child_ids.write(
            dict(french_address, name="Marie Martin", lang="fr_FR")
        )
        self.invoices = self.env["account.move"]
        for partner in (self.customer, self.french):
            for amount in (1250, 480.5):
                self.invoices |= self.make_invoice(partner, amount, "2026-03-02")

    def texts(self, notice):
        """{kind: text} of a notice: its letter and its email."""
        html = self.env["ir.actions.report"]._render_qweb_html(REPORT, notice.ids)[0]
        mail = self.notice_mails(notice)
        self.assertEqual(len(mail), 1, f"email of {notice.level_id.name}")
        body = notice.level_id.email_template_id._render_field(
            "body_html", notice.ids, compute_lang=True
        )[notice.id]
        email = f"Subject: {mail.subject}\n\n{visible_text(body)}"
        letter = visible_text(html)
        # The number the placeholder stands for is the notice's own.
        self.assertIn(notice.name, letter)
        self.assertIn(notice.name, mail.subject)
        return {
            "letter": normalize(letter, notice.line_ids.move_id),
            "email": normalize(email, notice.line_ids.move_id),
        }

    def assertGolden(self, name, text):
        path = os.path.join(GOLDEN_DIR, f"{name}.txt")
        text += "\n"
        if os.environ.get("CC_GOLDEN_WRITE"):
            os.makedirs(GOLDEN_DIR, exist_ok=True)
            with open(path, "w", encoding="utf-8") as golden:
                golden.write(text)
            return
        with open(path, encoding="utf-8") as golden:
            expected = golden.read()
        if text != expected:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                f"tests/golden/{name}.txt",
                "rendered",
            )
            self.fail(
                f"The text of {name} changed (regenerate with CC_GOLDEN_WRITE=1 "
                f"if deliberate):\n{''.join(diff)}"
            )

    def test_every_level_letter_and_email_word_for_word(self):
        languages = {"en": self.customer, "fr": self.french}
        for letter_type, day, validate in STEPS:
            notices = self.run_dunning(day)
            if validate:
                self.assertEqual(set(notices.mapped("state")), {"to_validate"})
                with freeze_time(day):
                    notices.action_validate()
                    self.send_pending_emails()
            for lang, partner in languages.items():
                notice = notices.filtered(lambda n, p=partner: n.partner_id == p)
                self.assertEqual(len(notice), 1, f"{letter_type} of {partner.name}")
                self.assertEqual(notice.level_id.letter_type, letter_type)
                self.assertEqual(notice.state, "sent")
                self.assertEqual(notice.amount_total, 1730.5)
                with freeze_time(day):
                    texts = self.texts(notice)
                for kind, text in texts.items():
                    with self.subTest(level=letter_type, lang=lang, kind=kind):
                        self.assertGolden(f"{letter_type}_{lang}_{kind}", text)
