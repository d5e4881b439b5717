from odoo import api, fields, models

from .credit_engine import CONTROLLER


class CreditPartnerInsurance(models.AbstractModel):
    """The customer's credit insurance in the current company: its cover in
    force (its covers, the insured and uninsured parts of its exposure are
    in res_partner.py). Inherited by res.partner."""

    _name = "credit.partner.insurance"
    _description = "Customer: Credit Insurance"

    credit_insurance_cover_id = fields.Many2one(
        "credit.insurance.cover",
        string="Insurance Cover",
        compute="_compute_credit_insurance_cover_id",
        help="The cover in force today (granted or reduced).",
        groups=CONTROLLER,
    )

    @api.depends_context("company")
    def _compute_credit_insurance_cover_id(self):
        covers = self.env["credit.insurance.cover"]._credit_current_covers(
            self.commercial_partner_id._origin, self.env.company
        )
        for partner in self:
            partner.credit_insurance_cover_id = covers.get(
                partner.commercial_partner_id._origin.id, False
            )
