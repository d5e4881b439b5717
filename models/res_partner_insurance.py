from odoo import api, fields, models

from .credit_engine import CONTROLLER


class ResPartner(models.Model):
    """The customer's credit insurance in the current company: its cover in
    force and the insured and uninsured parts of its exposure."""

    _inherit = "res.partner"

    credit_insurance_cover_id = fields.Many2one(
        "credit.insurance.cover",
        string="Insurance Cover",
        compute="_compute_credit_insurance_cover_id",
        help="The cover in force today (granted or reduced).",
        groups=CONTROLLER,
    )
    credit_insurance_cover_amount = fields.Monetary(
        string="Granted Cover",
        compute="_compute_credit_exposure",
        help="The cover in force, in the company currency.",
        groups=CONTROLLER,
    )
    credit_insured_amount = fields.Monetary(
        string="Indemnifiable Exposure",
        compute="_compute_credit_exposure",
        help="What the insurer would pay of the exposure: the exposure up to "
        "the granted cover, times the policy's coverage.",
        groups=CONTROLLER,
    )
    credit_uninsured_amount = fields.Monetary(
        string="Uninsured Exposure",
        compute="_compute_credit_exposure",
        help="Exposure above the granted cover.",
        groups=CONTROLLER,
    )
    credit_insurance_cover_ids = fields.One2many(
        "credit.insurance.cover",
        "partner_id",
        string="Insurance Covers",
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
