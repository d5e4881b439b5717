from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """The notices of these emails take their outcome (sent or failed)
        as soon as the mail queue knows it."""
        message_ids = [
            mail.mail_message_id.id for mail in self if mail.model == "credit.notice"
        ]
        if message_ids:
            self.env["credit.notice"]._credit_sync_email_states(message_ids)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
