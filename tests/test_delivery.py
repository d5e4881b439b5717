from email.message import EmailMessage

from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.base.tests.common import MockSmtplibCase
from odoo.addons.credit_collection.tools.auto_reply import is_automatic_reply

from ..compat import GROUPS_FIELD
from .common import CreditCollectionCommon

REPLY = """From: Accounts payable <{sender}>
To: {to}
Subject: Re: {subject}
Message-Id: <{tag}@customer.example.com>
In-Reply-To: {parent}
References: {parent}
Date: Tue, 10 Mar 2026 09:15:00 +0100
MIME-Version: 1.0
{headers}Content-Type: text/plain; charset="utf-8"

{body}
"""

BOUNCE = """From: MAILER-DAEMON@mx.customer.example.com (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-Id: <bounce-{tag}@mx.customer.example.com>
Date: Tue, 10 Mar 2026 09:15:00 +0100
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

<{recipient}>: 550 No such person at this address.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.0.0

--BOUNDARY
Content-Type: message/rfc822

Message-Id: {parent}
Subject: {subject}
From: {sender}
To: {recipient}

Your reminder.

--BOUNDARY--
"""


@tagged("post_install", "-at_install")
class TestDelivery(CreditCollectionCommon, MockSmtplibCase):
    """What became of each reminder email: the mail queue's outcome, the
    engine's bounded retries, bounces and replies through Odoo's mail
    gateway (raw emails given to ``message_process``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "clairval.example.com", "bounce_alias": "bounce"}
        )
        cls.company.alias_domain_id = cls.alias_domain
        cls.company.email = "credit@clairval.example.com"
        cls.contact = cls.customer.child_ids
        cls.invoice = cls.make_invoice(cls.customer, 1250, "2026-03-02")

    def remind(self):
        """The first reminder, emailed and its email sent by the mail queue
        (the real ``mail.mail._send``, Odoo's test mode stops at SMTP)."""
        notices = self.run_dunning("2026-03-09")
        self.assertEqual(set(notices.mapped("email_state")), {"queued"})
        self.send_mail_queue()
        return notices

    def send_mail_queue(self):
        mails = self.env["mail.mail"].search(
            [("model", "=", "credit.notice"), ("state", "=", "outgoing")]
        )
        # Odoo's SMTP stand-in: 19.0 does not send at all in tests without it.
        with self.mock_smtplib_connection():
            mails._send()

    def process(self, template, **values):
        return self.env["mail.thread"].message_process(None, template.format(**values))

    def reply(self, notice, tag, headers="", body="We paid it last week."):
        message = notice.email_message_id
        return self.process(
            REPLY,
            sender=self.contact.email,
            to=f"catchall@{self.alias_domain.name}",
            subject=message.subject,
            tag=tag,
            parent=message.message_id,
            headers=headers,
            body=body,
        )

    def test_sent_email_is_sent_on_the_notice(self):
        notice = self.remind()
        mail = self.env["mail.mail"].search(
            [("mail_message_id", "=", notice.email_message_id.id)]
        )
        self.assertEqual(mail.state, "sent")
        self.assertEqual(notice.email_state, "sent")
        self.assertEqual(notice.state, "sent")
        self.assertFalse(notice.failure_reason)

    def test_failed_email_is_retried_then_the_notice_fails(self):
        self.contact.email = "ap.dupont-at-example.com"  # no valid address
        notice = self.run_dunning("2026-03-09")
        self.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.email_max_retries", "1"
        )
        self.send_mail_queue()
        self.assertEqual(notice.email_state, "failed")
        mail = self.notice_mails(notice)
        self.assertEqual(mail.state, "exception")
        self.assertTrue(mail.failure_reason)  # its wording differs between series
        self.assertEqual(notice.failure_reason, mail.failure_reason)
        self.assertEqual(notice.state, "sent")
        # The email job queues it again, once.
        self.send_pending_emails()
        self.assertEqual(notice.email_state, "queued")
        self.assertEqual(notice.email_retry_count, 1)
        self.assertEqual(mail.state, "outgoing")
        self.send_mail_queue()
        self.assertEqual(notice.email_state, "failed")
        self.send_pending_emails()
        self.assertEqual(notice.state, "failed")
        self.assertIn("failed 2 times", notice.failure_reason)
        self.assertIn(
            notice, self.env["credit.notice"].search([("state", "=", "failed")])
        )
        # Fixed address, the controller's Send Again: a new email goes out.
        self.contact.email = "ap.dupont@example.com"
        notice.with_user(self.collector).action_retry()
        self.assertEqual(notice.state, "sent")
        self.assertEqual(notice.email_state, "queued")
        self.assertNotEqual(mail.mail_message_id, notice.email_message_id)
        self.send_mail_queue()
        self.assertEqual(notice.email_state, "sent")

    def bounce(self, notice, recipient):
        self.process(
            BOUNCE,
            to=self.alias_domain.bounce_email,
            tag=notice.id,
            recipient=recipient,
            sender=self.company.email,
            subject=notice.email_message_id.subject,
            parent=notice.email_message_id.message_id,
        )

    def test_bounce_goes_to_the_next_billing_contact_then_to_a_call(self):
        other = self.env["res.partner"].create(
            {
                "name": "Second accounts payable",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "compta.dupont@example.com",
            }
        )
        notice = self.remind()
        self.bounce(notice, self.contact.email)
        self.assertEqual(notice.email_state, "bounced")
        self.assertIn("bounced", notice.failure_reason)
        self.assertEqual(self.contact.message_bounce, 1)
        self.assertEqual(self.customer._credit_contact(), other)  # next steps
        # The email job sends it again to the contact that does not bounce.
        self.send_pending_emails()
        self.assertEqual(notice.contact_id, other)
        self.assertEqual(notice.email_state, "queued")
        mail = self.env["mail.mail"].search(
            [("mail_message_id", "=", notice.email_message_id.id)]
        )
        self.assertEqual(mail.recipient_ids, other)
        self.send_mail_queue()
        self.assertEqual(notice.email_state, "sent")
        # A late second bounce of the first address leaves the notice alone.
        first_message = mail.search(
            [("model", "=", "credit.notice"), ("res_id", "=", notice.id)], order="id"
        )[:1].mail_message_id
        self.process(
            BOUNCE,
            to=self.alias_domain.bounce_email,
            tag="late",
            recipient=self.contact.email,
            sender=self.company.email,
            subject=first_message.subject,
            parent=first_message.message_id,
        )
        self.assertEqual(notice.email_state, "sent")
        self.assertEqual(self.contact.message_bounce, 2)
        self.bounce(notice, other.email)
        self.assertEqual(other.message_bounce, 1)
        # The customer's own address is the last one: it bounces as well.
        self.customer.message_bounce = 1
        self.send_pending_emails()
        self.assertFalse(notice.email_state)
        self.assertIn("call task (email address bounces)", notice.channel_summary)
        self.assertEqual(
            notice.activity_ids.activity_type_id,
            self.env.ref("mail.mail_activity_data_call"),
        )
        self.assertEqual(notice.activity_ids.user_id, self.collector)

    def test_customer_whose_addresses_all_bounce_is_called(self):
        (self.customer | self.contact).message_bounce = 1
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.state, "sent")
        self.assertFalse(notice.email_state)
        self.assertEqual(notice.channel_summary, "call task (email address bounces)")
        self.assertFalse(self.notice_mails(notice))
        self.assertEqual(notice.activity_ids.user_id, self.collector)

    def test_reply_pauses_the_customer_until_handled(self):
        notice = self.remind()
        self.reply(notice, "reply-1")
        reply = notice.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(reply), 1)
        self.assertIn("We paid it last week.", reply.body)
        self.assertEqual(notice.reply_state, "to_handle")
        activity = notice.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        worklist = self.env.ref("credit_collection.credit_notice_action_worklist")
        self.assertIn(
            notice,
            self.env["credit.notice"].search(
                safe_eval(worklist.domain) + [("reply_state", "=", "to_handle")]
            ),
        )
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda m: notice.name in m.body and "We paid it last week." in m.body
            )
        )
        # Paused: the second step does not come while the reply waits.
        self.assertFalse(self.run_dunning("2026-03-24"))
        notice.with_user(self.collector).action_credit_reply_handled()
        with self.assertRaises(UserError):
            notice.with_user(self.collector).action_credit_reply_handled()
        self.assertEqual(notice.reply_state, "handled")
        self.assertFalse(notice.activity_ids)
        second = self.run_dunning("2026-03-25")
        self.assertEqual(second.level_id, self.level_second)

    def test_automatic_reply_does_not_pause(self):
        notice = self.remind()
        self.reply(
            notice,
            "ooo-1",
            headers="Auto-Submitted: auto-replied\n",
            body="I am out of the office until March 20.",
        )
        reply = notice.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn("out of the office", reply.body)
        self.assertFalse(notice.reply_state)
        self.assertFalse(notice.activity_ids)
        self.assertEqual(self.run_dunning("2026-03-24").level_id, self.level_second)

    def test_reply_handled_only_by_a_controller(self):
        notice = self.remind()
        self.reply(notice, "reply-2")
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "clerk",
                GROUPS_FIELD: [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        with self.assertRaises(AccessError):
            notice.with_user(clerk).action_credit_reply_handled()
        self.assertEqual(notice.reply_state, "to_handle")


@tagged("post_install", "-at_install")
class TestAutoReplyHeaders(BaseCase):
    """The headers that mark an automatic answer."""

    def test_headers(self):
        cases = {
            (): False,
            (("Auto-Submitted", "no"),): False,
            (("Auto-Submitted", "auto-replied"),): True,
            (("X-Autoreply", "yes"),): True,
            (("X-Autorespond", "1"),): True,
            (("Precedence", "bulk"),): True,
            (("Precedence", "auto_reply"),): True,
            (("Precedence", "first-class"),): False,
        }
        for headers, expected in cases.items():
            message = EmailMessage()
            for name, value in headers:
                message[name] = value
            self.assertEqual(is_automatic_reply(message), expected, headers)
