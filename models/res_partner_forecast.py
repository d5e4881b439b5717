from odoo import fields, models


class ResPartnerForecast(models.AbstractModel):
    """The customer's next expected payments (inherited by ``res.partner``),
    read from its open invoices' expected dates
    (``account.move.credit_expected_date``)."""

    _name = "credit.partner.forecast"
    _description = "Customer: Expected Payments"

    credit_expected_move_ids = fields.Many2many(
        "account.move",
        string="Next Expected Payments",
        compute="_compute_credit_expected_move_ids",
    )

    def _compute_credit_expected_move_ids(self):
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("credit_expected_basis", "!=", False),
            ],
            order="credit_expected_date, id",
        )
        for partner in self:
            partner.credit_expected_move_ids = moves.filtered(
                lambda m, p=partner: m.commercial_partner_id == p.commercial_partner_id
            )
