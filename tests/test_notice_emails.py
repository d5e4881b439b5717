"""What the customer receives, beyond the wording: the email states the
letter's total, says what its level does and what it carries, goes without
Odoo's follower footer to the customer's billing contacts, and the letter
goes to the invoice address without a domestic country."""

from datetime import date

from freezegun import freeze_time

from odoo import tools
from odoo.tests import tagged

from .common import CreditCollectionCommon
from .test_golden_texts import visible_text


@tagged("post_install", "-at_install")
class TestNoticeEmails(CreditCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"country_id": cls.env.ref("base.fr").id, "city": "Lyon"})
        cls.scenario.write(
            {
                "interest_policy": "statutory",
                "interest_jurisdiction": "FR",
                "apply_recovery_indemnity": True,
            }
        )

    def email_text(self, notice, template):
        body = template._render_field("body_html", notice.ids)[notice.id]
        return visible_text(body)

    def letter(self, notice):
        return self.env[
            "report.credit_collection.report_credit_notice"
        ]._get_report_values(notice.ids)["letters"][notice.id]

    def test_email_states_the_letters_total_with_interest_and_indemnity(self):
        self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        letter = self.letter(notice)
        self.assertTrue(letter["total_interest"] and letter["total_indemnity"])
        self.assertEqual(notice._credit_claim()["total_due"], letter["total_due"])

        def amount(value):
            return " ".join(self.company.currency_id.format(value).split())

        text = visible_text(self.notice_mails(notice).body_html)
        self.assertIn(f"Total due: {amount(letter['total_due'])}", text)
        self.assertIn(f"Late interest: {amount(letter['total_interest'])}", text)
        self.assertIn(f"Recovery indemnity: {amount(letter['total_indemnity'])}", text)
        self.assertNotIn(f"Total due: {amount(1000)}", text)

    def test_final_email_follows_the_hand_off_kind(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        template = self.env.ref("credit_collection.mail_template_notice_final")
        level = self.env["credit.dunning.level"].create(
            {
                "scenario_id": self.scenario.id,
                "name": "Hand-off",
                "days_offset": 60,
                "email_template_id": template.id,
                "escalation_stage": "legal",
            }
        )
        notice = self.make_notice(level, "2026-05-01", invoice, state="draft")
        legal = self.email_text(notice, template)
        self.assertIn("handed over for legal proceedings", legal)
        self.assertNotIn("collection", legal.split("Total due")[1])
        level.escalation_stage = "agency"
        agency = self.email_text(notice, template)
        self.assertIn("handed over to a collection agency", agency)
        self.assertNotIn("legal proceedings, without further notice", agency)

    def test_formal_email_mentions_the_letter_only_when_attached(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        template = self.env.ref("credit_collection.mail_template_notice_formal")
        notice = self.make_notice(
            self.level_formal, "2026-04-06", invoice, state="draft"
        )
        self.level_formal.attach_letter = False
        self.assertNotIn("letter is attached", self.email_text(notice, template))
        self.level_formal.attach_letter = True
        self.assertIn(
            "Our formal notice letter is attached.", self.email_text(notice, template)
        )

    def test_email_without_follower_footer_kept_in_the_chatter(self):
        self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        mail = self.notice_mails(notice)
        self.assertEqual(len(mail), 1)
        self.assertNotIn("/mail/unfollow", mail.body_html)
        self.assertNotIn("Powered by", mail.body_html)
        self.assertIn(self.company.name, mail.body_html)  # the company footer
        self.assertFalse(mail.auto_delete)
        self.assertIn(mail.mail_message_id, notice.message_ids)

    def test_emails_go_to_every_billing_contact_else_the_customer(self):
        second = self.env["res.partner"].create(
            {
                "name": "Treasury",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "treasury@dupont.example.com",
            }
        )
        billing = self.customer.child_ids.filtered(lambda c: c.type == "invoice")
        self.assertEqual(len(billing), 2)
        self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.recipient_ids, billing)
        self.assertEqual(self.notice_mails(notice).recipient_ids, billing)
        chatter = " ".join(str(body) for body in notice.message_ids.mapped("body"))
        self.assertIn(second.email, chatter)
        # the dry run names the same recipients
        with freeze_time("2026-03-22"):
            preview = self.env["credit.dunning.preview"].create(
                {"company_id": self.company.id, "date": "2026-03-22"}
            )
            preview.action_compute()
        line = preview.line_ids.filtered(lambda row: row.partner_id == self.customer)
        self.assertEqual(set(line.recipients.split(", ")), set(billing.mapped("email")))
        # without billing contact, the customer itself
        billing.unlink()
        self.assertEqual(notice.recipient_ids, self.customer)

    def preview_line(self, day):
        with freeze_time(day):
            preview = self.env["credit.dunning.preview"].create(
                {"company_id": self.company.id, "date": day}
            )
            preview.action_compute()
        return preview.line_ids.filtered(lambda row: row.partner_id == self.customer)

    def test_level_puts_collector_account_manager_and_salespersons_in_copy(self):
        manager = self.collector.copy(
            {"name": "Sam Sales", "login": "sam", "email": "sam@example.com"}
        )
        seller = self.collector.copy(
            {"name": "Sid Seller", "login": "sid", "email": "sid@example.com"}
        )
        self.customer.user_id = manager
        self.customer.with_company(self.company).credit_collector_id = self.collector
        self.level_first.write({"cc_collector": True, "cc_account_manager": True})
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        in_copy = {"colette@example.com", "sam@example.com"}
        line = self.preview_line("2026-03-09")
        self.assertEqual(set(line.cc_recipients.split(", ")), in_copy)
        # the salespersons of the invoices, once the level names them
        invoice.invoice_user_id = seller
        self.level_first.cc_salesperson = True
        line = self.preview_line("2026-03-09")
        in_copy.add("sid@example.com")
        self.assertEqual(set(line.cc_recipients.split(", ")), in_copy)
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.level_id, self.level_first)
        self.assertEqual(
            notice.cc_partner_ids, (self.collector | manager | seller).partner_id
        )
        mail = self.notice_mails(notice)
        self.assertEqual(set(tools.email_split(mail.email_cc)), in_copy)
        billing = self.customer._credit_email_recipients()
        self.assertEqual(mail.recipient_ids, billing)
        outgoing = mail._prepare_outgoing_list()
        self.assertEqual(
            {  # 19.0 writes them with the names, 18.0 without
                tools.email_normalize(email)
                for entry in outgoing
                for email in entry["email_cc"]
            },
            in_copy,
        )
        # in copy of this email only: never followers of the notice
        self.assertFalse(notice.message_partner_ids & notice.cc_partner_ids)
        # a level without copy: nobody, in the dry run and in the email
        self.assertFalse(
            self.level_second.cc_collector
            or self.level_second.cc_account_manager
            or self.level_second.cc_salesperson
        )
        self.assertFalse(self.preview_line("2026-03-22").cc_recipients)
        second = self.run_dunning("2026-03-22")
        self.assertEqual(second.level_id, self.level_second)
        self.assertFalse(second.cc_partner_ids)
        self.assertFalse(self.notice_mails(second).email_cc)
        self.assertEqual(self.notice_mails(second).recipient_ids, billing)
        # a notice being created, before its level is chosen: nobody
        draft = self.env["credit.notice"].new({"partner_id": self.customer.id})
        self.assertFalse(draft.cc_partner_ids)

    def test_letter_address_block(self):
        french = self._customer(
            "Boulangeries Martin",
            street="8 place Bellecour",
            zip="69002",
            city="Lyon",
            country_id=self.env.ref("base.fr").id,
        )
        report = self.env["report.credit_collection.report_credit_notice"]
        billing = french.child_ids  # the invoice address, without address
        self.assertFalse(billing.street)
        self.assertEqual(french._credit_invoice_address(), billing)
        lines = report._recipient_lines(billing, self.company)
        # no blank block, no "France" on a domestic letter
        self.assertEqual(
            lines,
            [
                "Boulangeries Martin",
                "Accounts payable Boulangeries Martin",
                "8 place Bellecour",
                "69002 Lyon",
            ],
        )
        # the letterhead leaves out the company's own country too
        day = date(2026, 3, 9)
        head = report._letterhead_values(self.company, billing, day, french)
        self.assertFalse(head["show_company_country"])
        # an invoice address of its own is printed, abroad with its country
        billing.write(
            {
                "street": "5 High Street",
                "zip": "EC1A 1BB",
                "city": "London",
                "country_id": self.env.ref("base.uk").id,
            }
        )
        lines = report._recipient_lines(billing, self.company)
        self.assertEqual(lines[2], "5 High Street")
        self.assertEqual(lines[-1], self.env.ref("base.uk").name)
        # the letter goes to the invoice address
        invoice = self.make_invoice(french, 1000, "2026-03-02")
        notice = self.make_notice(self.level_first, "2026-03-09", invoice)
        self.assertEqual(self.letter(notice)["recipient_lines"][:-1], lines[:-1])
        self.assertEqual(len(self.letter(notice)["recipient_lines"]), len(lines))

    def test_rendering_a_letter_writes_no_customer_number(self):
        other = self._customer("Martin Transports")
        self.assertFalse(other.ref)
        report = self.env["report.credit_collection.report_credit_statement"]
        values = report._statement_values(other, self.company, "2026-03-09")
        self.assertFalse(values[other.id]["head"]["customer_reference"])
        self.assertFalse(other.ref)
        # the engine gives it one with its first notice, before any letter
        self.make_invoice(other, 500, "2026-03-02")
        notice = self.run_dunning("2026-03-09").filtered(
            lambda n: n.partner_id == other
        )
        self.assertRegex(other.ref, r"^C\d{5}$")
        self.assertEqual(self.letter(notice)["customer_reference"], other.ref)

    def test_statement_head_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        french = self._customer("Boulangeries Martin", lang="fr_FR")
        report = self.env["report.credit_collection.report_credit_statement"]
        values = report.with_context(lang="en_US")._statement_values(
            french, self.company, "2026-03-09"
        )
        head = values[french.id]["head"]
        self.assertEqual(head["place_date"], "Lyon, le 9 mars 2026")
