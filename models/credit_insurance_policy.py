from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..compat import Constraint


class CreditInsurancePolicy(models.Model):
    """A credit insurance policy of the company (Allianz Trade, Coface,
    Atradius...): what share of a covered loss the insurer pays, the
    discretionary limit of customers it did not name, and the deadlines that
    keep the cover of an overdue invoice."""

    _name = "credit.insurance.policy"
    _description = "Credit Insurance Policy"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    # === FIELDS === #

    insurer_id = fields.Many2one("res.partner", required=True, tracking=True)
    number = fields.Char(string="Policy Number", required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the covers and of the declarations.",
    )
    active = fields.Boolean(default=True)
    date_start = fields.Date(
        string="Valid From", required=True, default=fields.Date.context_today
    )
    date_end = fields.Date(string="Valid Until", tracking=True)
    coverage_percent = fields.Float(
        string="Coverage (%)",
        default=90.0,
        required=True,
        tracking=True,
        help="Share of a covered loss the insurer indemnifies.",
    )
    unnamed_limit = fields.Monetary(
        string="Discretionary Limit",
        tracking=True,
        help="Cover of a customer the insurer did not name (no request): at "
        "most this amount.",
    )
    declaration_days = fields.Integer(
        string="Declaration Deadline (Days)",
        default=60,
        required=True,
        tracking=True,
        help="Days after the due date by which an unpaid invoice must be "
        "declared to the insurer (threat of loss), or its cover is lost.",
    )
    declaration_basis = fields.Selection(
        [
            ("due_date", "Unpaid due date"),
            ("original_due_date", "Original due date"),
        ],
        string="Deadline Counted From",
        default="due_date",
        required=True,
        help="Unpaid due date: the first installment still unpaid. Original "
        "due date: the invoice's first installment, paid or not.",
    )
    claim_days = fields.Integer(
        string="Claim Deadline (Days)",
        default=150,
        required=True,
        help="Days after the declaration by which the claim for "
        "indemnification must be filed.",
    )
    alert_days = fields.Integer(
        string="Alert Before (Days)",
        default=10,
        required=True,
        help="The credit manager gets a to-do this many days before an "
        "invoice's declaration deadline.",
    )
    check_cover = fields.Boolean(
        string="Credit Check on Cover",
        help="Exposure above the granted cover counts in the credit check of "
        "orders and invoices like the credit limit: warned or blocked as the "
        "company's credit check says.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Credit Manager",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        help="Who declares the overdue invoices: gets the to-dos before the "
        "deadlines.",
    )
    cover_ids = fields.One2many("credit.insurance.cover", "policy_id", string="Covers")
    note = fields.Text()

    _number_company_uniq = Constraint(
        "unique(insurer_id, number, company_id)",
        "This insurer's policy number already exists in this company.",
    )

    # === COMPUTE METHODS === #

    @api.depends("insurer_id", "number")
    def _compute_display_name(self):
        for policy in self:
            policy.display_name = " ".join(
                filter(None, (policy.insurer_id.name, policy.number))
            )

    # === CONSTRAINT METHODS === #

    @api.constrains(
        "coverage_percent",
        "declaration_days",
        "claim_days",
        "alert_days",
        "unnamed_limit",
        "date_start",
        "date_end",
    )
    def _check_terms(self):
        for policy in self:
            if not 0 < policy.coverage_percent <= 100:
                raise ValidationError(
                    self.env._("The coverage must be above 0 % and at most 100 %.")
                )
            if min(policy.declaration_days, policy.claim_days, policy.alert_days) < 0:
                raise ValidationError(
                    self.env._("The deadlines cannot be negative numbers of days.")
                )
            if policy.currency_id.compare_amounts(policy.unnamed_limit, 0.0) < 0:
                raise ValidationError(
                    self.env._("The discretionary limit cannot be negative.")
                )
            if policy.date_end and policy.date_end < policy.date_start:
                raise ValidationError(
                    self.env._("A policy cannot end before it starts.")
                )
