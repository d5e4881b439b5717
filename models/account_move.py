from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "credit.override.mixin"]

    def _credit_check_amount(self):
        # A draft invoice is already in the exposure (with the draft invoices,
        # or with the orders to invoice when it comes from a sale order).
        return 0.0

    def action_post(self):
        self.filtered(lambda move: move.move_type == "out_invoice")._credit_check()
        return super().action_post()

    def _credit_approve_and_confirm(self, reason):
        self._credit_approve_override(reason)
        return self.action_post()

    def _build_credit_warning_message(
        self, record, current_amount=0.0, exclude_current=False, exclude_amount=0.0
    ):
        # EXTENDS 'account': also say when the customer is on credit hold.
        message = super()._build_credit_warning_message(
            record,
            current_amount=current_amount,
            exclude_current=exclude_current,
            exclude_amount=exclude_amount,
        )
        partner = record.partner_id.commercial_partner_id.with_company(
            record.company_id
        )
        if partner.credit_hold:
            hold = self.env._(
                "%(partner)s is on credit hold: %(reason)s",
                partner=partner.display_name,
                reason=partner.credit_hold_reason or "",
            )
            message = hold + ("\n" + message if message else "")
        return message
