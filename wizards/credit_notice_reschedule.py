from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.receivable import OPEN_PAYMENT_STATES


class CreditNoticeReschedule(models.TransientModel):
    """Postpone the next reminders of the selected notices' invoices, e.g.
    after a call where the customer asked for a few days."""

    _name = "credit.notice.reschedule"
    _description = "Reschedule Dunning"

    notice_ids = fields.Many2many("credit.notice", string="Notices", required=True)
    date = fields.Date(string="No Reminder Until", required=True)
    reason = fields.Char(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "credit.notice":
            values["notice_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return values

    def action_reschedule(self):
        self.ensure_one()
        if self.date <= fields.Date.context_today(self):
            raise UserError(self.env._("Choose a date in the future."))
        invoices = self.notice_ids.line_ids.move_id.filtered(
            lambda move: move.payment_state in OPEN_PAYMENT_STATES
        )
        if not invoices:
            raise UserError(self.env._("The selected notices have no open invoice."))
        invoices.credit_paused_until = self.date
        body = self.env._(
            "Reminders postponed until %(date)s: %(reason)s",
            date=self.date,
            reason=self.reason,
        )
        for notice in self.notice_ids:
            notice.message_post(body=body, subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close"}
