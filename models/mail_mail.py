import logging

from odoo import models

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, *args, **kwargs):
        """The notices of these emails take their outcome (sent or failed)
        as soon as the mail queue knows it. In a savepoint, and never
        raising: an error here would mark an email sent by SMTP as failed
        (then sent again); the email job reads the outcome later anyway.
        The arguments pass through untouched: 19.0 added ``success_emails``."""
        message_ids = [
            mail.mail_message_id.id for mail in self if mail.model == "credit.notice"
        ]
        if message_ids:
            try:
                with self.env.cr.savepoint():
                    self.env["credit.notice"]._credit_sync_email_states(message_ids)
            except Exception:  # see the docstring
                _logger.warning(
                    "Email outcome of notices left to the email job", exc_info=True
                )
        return super()._postprocess_sent_message(*args, **kwargs)
