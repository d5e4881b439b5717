from odoo import models

from ..tools.auto_reply import is_automatic_reply


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _message_route_process(self, message, message_dict, routes):
        """Tell the documents an incoming email is posted on whether a
        program sent it (out of office...): Odoo parses no such header, and
        a notice pauses its customer on a person's reply only (see
        ``credit.notice._message_post_after_hook``)."""
        return super(
            MailThread,
            self.with_context(credit_automatic_reply=is_automatic_reply(message)),
        )._message_route_process(message, message_dict, routes)
