import re
from datetime import date, timedelta

import polib

from odoo.tests import HttpCase, tagged
from odoo.tools import file_path, mute_logger

from .common import REPORT_LOGGERS, CreditCollectionCommon, load_french
from .test_letters import plain_text

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|\{\w+\}")


def english_phrases():
    """Sentences of the module's English source that French readers must
    never see: every text of 4 words or more (between placeholders) whose
    French translation differs, markup excluded."""
    french = {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(file_path("credit_collection/i18n/fr.po"))
    }
    phrases = set()
    for msgid, msgstr in french.items():
        if "<" in msgid or not msgstr or msgstr == msgid:
            continue
        for part in PLACEHOLDER.split(" ".join(msgid.split())):
            part = part.strip(" .,:;()")
            if len(part.split()) >= 4 and part not in msgstr:
                phrases.add(part)
    return phrases


@tagged("post_install", "-at_install")
class TestFrenchOutput(CreditCollectionCommon, HttpCase):
    """What a French customer reads is French: the letter and the email of
    every level, the statement of account and the portal pages, without an
    English sentence of the module or an ISO date."""

    def setUp(self):
        super().setUp()
        load_french(self.env)
        self.french = self._customer("Boulangeries Martin", lang="fr_FR")
        self.french.child_ids.lang = "fr_FR"
        self.make_portal_user(
            self.french, "martin_fr", contact_name="Marie Martin", lang="fr_FR"
        )

    def assertFrench(self, name, text):
        found = sorted(phrase for phrase in self.english if phrase in text)
        self.assertFalse(found, f"English in the French {name}: {found}")
        self.assertFalse(ISO_DATE.findall(text), f"ISO date in the French {name}")

    def test_everything_the_customer_reads_is_french(self):
        self.english = english_phrases()
        self.assertGreater(len(self.english), 100, "the scan has phrases to look for")
        # Real dates: the portal pages are served on the real clock.
        due = date.today() - timedelta(days=36)
        self.make_invoice(self.french, 1250, due)
        self.make_invoice(self.french, 300, date.today() + timedelta(days=10))
        notices = self.env["credit.notice"]
        for offset in (7, 20, 35):
            notices |= self.run_dunning(due + timedelta(days=offset)).filtered(
                lambda notice: notice.partner_id == self.french
            )
            notices.filtered(lambda n: n.state == "to_validate").action_validate()
            self.send_pending_emails()
        self.assertEqual(
            notices.level_id, self.level_first | self.level_second | self.level_formal
        )
        for notice in notices:
            html = self.env["ir.actions.report"]._render_qweb_html(
                "credit_collection.action_report_credit_notice", notice.ids
            )[0]
            self.assertFrench(f"letter of {notice.level_id.name}", plain_text(html))
            mails = self.env["mail.mail"].search(
                [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
            )
            self.assertTrue(mails, f"no email for {notice.level_id.name}")
            for mail in mails:
                self.assertFrench(f"email of {notice.level_id.name}", mail.subject)
                self.assertFrench(
                    f"email of {notice.level_id.name}", plain_text(mail.body_html)
                )
        with mute_logger(*REPORT_LOGGERS):
            html = self.env["ir.actions.report"]._render_qweb_html(
                "credit_collection.action_report_credit_statement", self.french.ids
            )[0]
        self.assertFrench("statement", plain_text(html))
        self.authenticate("martin_fr", "martin_fr")
        for url in (
            "/my/credit",
            "/my/credit/notices",
            *(f"/my/credit/notices/{notice.id}" for notice in notices),
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertTrue(response.url.endswith(url), f"{url} led to {response.url}")
            text = plain_text(response.text)
            if url.startswith("/my/credit/notices/"):
                self.assertIn("Envoyée le", text)
            self.assertFrench(f"page {url}", text)
