from odoo import models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "credit.override.mixin"]

    def _credit_check_amount(self):
        self.ensure_one()
        return self.company_id.currency_id.round(
            self.amount_total / (self.currency_rate or 1.0)
        )

    def _credit_check_extra_problems(self, with_figures=True):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        grade = partner.credit_risk_grade_id
        if not grade.prepayment_required:
            return []
        if not with_figures:
            return [
                self.env._(
                    "%(partner)s must pay before its order is confirmed.",
                    partner=partner.display_name,
                )
            ]
        return [
            self.env._(
                "Customers graded %(grade)s must pay before their order is "
                "confirmed.",
                grade=grade.display_name,
            )
        ]

    def _compute_partner_credit_warning(self):
        # EXTENDS 'sale': a customer on credit hold is shown on its
        # quotations, whatever the credit limit setting (in warn mode the
        # order is confirmed all the same: the banner is the warning).
        result = super()._compute_partner_credit_warning()
        for order in self.filtered(lambda order: order.state in ("draft", "sent")):
            order.partner_credit_warning = order._credit_with_hold_warning(
                order.partner_credit_warning
            )
        return result

    def _credit_is_paid(self):
        self.ensure_one()
        return self.currency_id.compare_amounts(
            self.amount_paid, self.amount_total
        ) >= 0 and not self.currency_id.is_zero(self.amount_total)

    def action_confirm(self):
        # A paid order carries no credit risk (online payment confirms it).
        self.filtered(lambda order: not order._credit_is_paid())._credit_check()
        return super().action_confirm()

    def _credit_approve_and_confirm(self, reason):
        self._credit_approve_override(reason)
        return self.action_confirm()
