"""What became of a notice's email: rendering by the email job, delivery states
read from Odoo's mail.mail, retries, bounces and the customer's replies."""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..compat import notify_cron_progress
from .batch_retry import run_retrying
from .credit_engine import EMAIL_LAYOUT

_logger = logging.getLogger(__name__)

# Times the engine queues a failed email again before the notice fails
# (system parameter credit_collection.email_max_retries).
EMAIL_MAX_RETRIES = 2


class CreditNoticeDelivery(models.AbstractModel):
    """Email delivery of ``credit.notice`` (inherited by it)."""

    _name = "credit.notice.delivery"
    _description = "Dunning Notice: Email Delivery"

    # ------------------------------------------------------------------
    # Scheduled action: the email job
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_pending_emails(self, batch_size=200, letter_batch_size=20):
        """Render and queue the emails the daily run decided, then store the
        letters it sent to print, one batch per call: rendering is the costly
        part of a reminder, so it runs apart from the run's decisions and
        commits its own progress. With queue_job (credit.job.dispatch), the
        call cuts all of them into jobs instead. Returns the number of
        documents still to render by this scheduled action."""
        if self.env["credit.job.dispatch"]._credit_jobs_enabled():
            return self._credit_dispatch_pending(batch_size, letter_batch_size)
        pending = self.search([("email_pending", "=", True)], limit=batch_size)
        done = pending._credit_send_pending_emails()
        if not pending:
            run_retrying(self.env, self._credit_follow_up_emails, "Email outcomes")
            letters = self.search(
                [("letter_pending", "=", True)], limit=letter_batch_size
            )
            done = letters._credit_store_pending_letters()
        remaining = self.search_count(
            ["|", ("email_pending", "=", True), ("letter_pending", "=", True)]
        )
        notify_cron_progress(self.env, done, remaining)
        return remaining

    @api.model
    def _credit_dispatch_pending(self, batch_size, letter_batch_size):
        """The email job on queue_job: one job per ``batch_size`` pending
        emails and one per ``letter_batch_size`` letters (after the emails,
        by priority), which the workers run in parallel; the outcomes of the
        emails sent earlier are followed up here once no email is pending."""
        Dispatch = self.env["credit.job.dispatch"]
        pending = self.search([("email_pending", "=", True)])
        letters = self.search([("letter_pending", "=", True)])
        Dispatch._credit_delay_chunks(
            pending,
            "_credit_send_pending_emails",
            batch_size,
            self.env._("Credit & Collections: reminder emails"),
        )
        Dispatch._credit_delay_chunks(
            letters,
            "_credit_store_pending_letters",
            letter_batch_size,
            self.env._("Credit & Collections: notice letters"),
            priority=20,
        )
        if not pending:
            run_retrying(self.env, self._credit_follow_up_emails, "Email outcomes")
        notify_cron_progress(self.env, len(pending) + len(letters), 0)
        return 0

    def _credit_send_pending_emails(self):
        """Queue these notices' emails, retried on a concurrent edit
        (models/batch_retry.py); a batch that still fails is sent notice by
        notice, and a notice still refused stays pending for the next call. A
        notice is emailed once however often this runs, even by two jobs at a
        time (``_credit_lock_pending``). Returns the number of notices done."""

        def send(notices):
            notices = notices._credit_lock_pending("email_pending")
            notices._credit_per_level("_credit_send_emails")
            notices.email_pending = False
            return len(notices)

        if not self:
            return 0
        done, _retries = run_retrying(self.env, lambda: send(self), "Notice emails")
        if done is not None:
            return done
        done = 0
        for notice in self:
            try:
                with self.env.cr.savepoint():
                    done += send(notice)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                _logger.warning("Notice %s: email left for the next call", notice.name)
        return done

    def _credit_store_pending_letters(self):
        """Store the letters of these notices still waiting for theirs; a
        letter that cannot be rendered is noted on its notice and not tried
        again by the email job (printing it will). Returns the number of
        notices done."""

        def store(notices):
            notices = notices._credit_lock_pending("letter_pending")
            notices._credit_attach_letter()
            notices.letter_pending = False
            return len(notices)

        done, _retries = run_retrying(self.env, lambda: store(self), "Notice letters")
        return done or 0

    def _credit_lock_pending(self, flag):
        """These notices whose ``flag`` is still set, locked until the
        transaction ends. What a job renders is read again under the lock,
        so an email or a letter is never made twice (a job run again, two
        overlapping jobs, the scheduled action beside a job). A notice held
        by another job is waited for, not skipped: skipped, a letter waiting
        behind its email job was left for the next hourly call (bench, jobs
        scenario); the wait ends in a serialization failure that
        ``run_retrying`` retries on a fresh snapshot."""
        if not self:
            return self
        self.flush_recordset([flag])
        ids = self.env.execute_query(
            SQL(
                """SELECT id FROM credit_notice
                    WHERE id IN %s AND %s
                    ORDER BY id
                      FOR NO KEY UPDATE""",
                tuple(self.ids),
                SQL.identifier(flag),
            )
        )
        self.invalidate_recordset([flag])
        return self.browse([row[0] for row in ids])

    # ------------------------------------------------------------------
    # Business methods: emails and their delivery states
    # ------------------------------------------------------------------

    def _credit_send_emails(self, level):
        """Render the level's email for these notices and queue it."""
        # One compilation of the body for the whole batch (see ir_qweb.py).
        template = level.email_template_id.with_context(credit_compile_once=True)
        layout = EMAIL_LAYOUT
        with_attachments = self.browse()
        if level.attach_invoices or level.attach_letter:
            with_attachments = self
        mails = self.env["mail.mail"]
        for notice in with_attachments:
            attachments = notice._credit_email_attachments(level)
            mails |= mails.browse(
                template.send_mail(
                    notice.id,
                    force_send=False,
                    email_layout_xmlid=layout,
                    email_values={
                        "attachment_ids": [(4, att.id) for att in attachments]
                    },
                )
            )
        plain = self - with_attachments
        if plain:
            mails |= template.send_mail_batch(
                plain.ids, force_send=False, email_layout_xmlid=layout
            )
        self._credit_bind_emails(mails)
        self._message_log_batch(
            {
                notice.id: self.env._(
                    "Reminder emailed to %(recipients)s.",
                    recipients=", ".join(
                        f"{partner.display_name} ({partner.email})"
                        for partner in notice.recipient_ids
                    ),
                )
                for notice in self
            }
        )

    def _credit_bind_emails(self, mails):
        """Bind each notice to the message of its new email (delivery state,
        bounces and replies refer to it), one ``UPDATE`` for the batch."""
        rows = [(mail.res_id, mail.mail_message_id.id) for mail in mails]
        if not rows:
            return
        self.flush_recordset(["email_state", "email_message_id"])
        self.env.cr.execute(
            SQL(
                """UPDATE credit_notice AS notice
                      SET email_message_id = bound.message_id,
                          email_state = 'queued'
                     FROM (VALUES %s) AS bound(id, message_id)
                    WHERE notice.id = bound.id""",
                SQL(", ").join(SQL("(%s, %s)", *row) for row in rows),
            )
        )
        self.invalidate_recordset(["email_state", "email_message_id"])

    @api.model
    def _credit_sync_email_states(self, message_ids=None):
        """Give the notices whose email is queued the outcome the mail queue
        wrote on it (``mail.mail`` state and failure reason): sent, or
        failed with the reason. One query for all the notices (or those of
        ``message_ids``, the emails the mail queue just sent)."""
        self.env["mail.mail"].flush_model(["state", "failure_reason"])
        self.flush_model(["email_state", "email_message_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT notice.id, mail.state, mail.failure_reason
                     FROM credit_notice notice
                     JOIN mail_mail mail
                       ON mail.mail_message_id = notice.email_message_id
                    WHERE notice.email_state = 'queued'
                      AND mail.state != 'outgoing'
                      %s""",
                SQL("AND notice.email_message_id IN %s", tuple(message_ids))
                if message_ids
                else SQL(),
            )
        )
        outcomes = defaultdict(list)
        for notice_id, state, reason in rows:
            if state in ("sent", "received"):
                outcomes[("sent", False)].append(notice_id)
            else:
                outcomes[("failed", reason or state)].append(notice_id)
        for (email_state, reason), ids in outcomes.items():
            self.browse(ids).sudo().write(
                {"email_state": email_state, "failure_reason": reason}
            )

    @api.model
    def _credit_follow_up_emails(self):
        """The engine's answer to the emails that did not arrive, for all
        notices at once: a failed email is queued again, at most
        ``credit_collection.email_max_retries`` times, then its notice
        fails (worklist, *Failed*) with the reason; a bounced one goes to
        the customer's next billing contact whose address does not bounce,
        or becomes a call task when none is left."""
        self._credit_sync_email_states()
        max_retries = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("credit_collection.email_max_retries", EMAIL_MAX_RETRIES)
        )
        notices = self.search(
            [("state", "=", "sent"), ("email_state", "in", ("failed", "bounced"))]
        )
        failed = notices.filtered(lambda notice: notice.email_state == "failed")
        retried = failed.filtered(lambda notice: notice.email_retry_count < max_retries)
        if retried:
            self.env["mail.mail"].sudo().search(
                [("mail_message_id", "in", retried.email_message_id.ids)]
            ).mark_outgoing()
            for count in set(retried.mapped("email_retry_count")):
                retried.filtered(
                    lambda notice, count=count: notice.email_retry_count == count
                ).sudo().write(
                    {"email_state": "queued", "email_retry_count": count + 1}
                )
        for notice in failed - retried:
            reason = self.env._(
                "The email to %(email)s failed %(count)s times: %(reason)s",
                email=notice.contact_id.email,
                count=notice.email_retry_count + 1,
                reason=notice.failure_reason,
            )
            notice._credit_mark_failed(reason)
        (notices - failed)._credit_reroute_bounced()

    def _credit_reroute_bounced(self):
        """Send the bounced notices again to the customer's next billing
        contact (``res.partner._credit_contact`` skips bouncing addresses),
        or schedule the call when no address is left."""
        for notice in self:
            contact = notice.partner_id._credit_contact()
            values = {"email_state": False}
            if contact.email and not contact.message_bounce:
                values = {"contact_id": contact.id, "email_state": "queued"}
            notice.sudo().write(values)
            if values["email_state"]:
                notice._credit_per_level("_credit_send_emails")
                continue
            try:
                with self.env.cr.savepoint():
                    notice._credit_schedule_call()
            except UserError as error:
                notice._credit_mark_failed(str(error))
                continue
            notice.sudo().channel_summary = ", ".join(
                [
                    notice.channel_summary,
                    self.env._("call task (email address bounces)"),
                ]
            )

    # ------------------------------------------------------------------
    # Mail hooks: bounces and replies
    # ------------------------------------------------------------------

    def _message_receive_bounce(self, email, partner):
        """The reminder email came back: the notice says so (Odoo counts the
        bounce on the contact, ``message_bounce``), and the email job sends
        it to another billing contact or turns it into a call."""
        result = super()._message_receive_bounce(email, partner)
        # A late bounce of an address the notice no longer writes to is
        # only counted on that contact.
        for notice in self.filtered(
            lambda notice: notice.email_state
            and notice.contact_id.email_normalized == email
        ):
            notice.sudo().write(
                {
                    "email_state": "bounced",
                    "failure_reason": self.env._(
                        "The email to %(email)s bounced.", email=email
                    ),
                }
            )
            notice.message_post(
                body=self.env._(
                    "The reminder email to %(email)s bounced.", email=email
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _message_post_after_hook(self, message, msg_vals):
        """A person's reply to the reminder (through the mail gateway) is
        copied to the customer's chatter and pauses the customer's
        automatic steps until a controller marks it handled; an automatic
        reply (out of office...) stays on the notice only."""
        result = super()._message_post_after_hook(message, msg_vals)
        automatic = self.env.context.get("credit_automatic_reply")
        if (
            automatic is not False
            or message.message_type != "email"
            or message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            return result  # not a customer's own reply through the gateway
        self.sudo().reply_state = "to_handle"
        customer = self.partner_id.sudo()
        customer.message_post(
            body=Markup("%s<br/>%s")
            % (
                self.env._(
                    "Reply to the reminder %(notice)s from %(author)s: the "
                    "customer's automatic steps wait until the reply is handled.",
                    notice=self.name,
                    author=message.email_from,
                ),
                message.body,
            ),
            subtype_xmlid="mail.mt_note",
        )
        user = self._credit_signer()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._(
                "Answer the reply of %(partner)s", partner=self.partner_id.display_name
            ),
            **({"user_id": user.id} if user else {}),
        )
        return result
