from odoo import api, fields, models


class CreditDunningPreviewLine(models.TransientModel):
    _name = "credit.dunning.preview.line"
    _description = "Dunning Dry Run Line"
    _order = "max_days_overdue desc, amount desc"

    preview_id = fields.Many2one(
        "credit.dunning.preview", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    scenario_id = fields.Many2one("credit.dunning.scenario", readonly=True)
    level_id = fields.Many2one("credit.dunning.level", readonly=True)
    move_ids = fields.Many2many("account.move", string="Open Invoices", readonly=True)
    invoice_count = fields.Integer(string="Invoices", compute="_compute_invoice_count")
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True, help="In the notice's currency.")
    company_currency_id = fields.Many2one(
        related="preview_id.company_id.currency_id", string="Company Currency"
    )
    amount_company = fields.Monetary(
        string="Amount in Company Currency",
        currency_field="company_currency_id",
        readonly=True,
    )
    max_days_overdue = fields.Integer(string="Days Overdue", readonly=True)
    actions = fields.Char(readonly=True)
    needs_validation = fields.Boolean(readonly=True)
    recipients = fields.Char(
        compute="_compute_recipients",
        help="Who the email would go to, by the rule of the notices: the "
        "customer's billing contacts, else the customer.",
    )

    cc_recipients = fields.Char(
        string="In Copy",
        compute="_compute_cc_recipients",
        help="Who of the company would be in copy of the email, by the rule "
        "of the notices: as the level says, the collector, the account "
        "manager, the salespersons of the invoices.",
    )

    @api.depends("move_ids")
    def _compute_invoice_count(self):
        for line in self:
            line.invoice_count = len(line.move_ids)

    @api.depends("partner_id")
    def _compute_recipients(self):
        for line in self:
            line.recipients = ", ".join(
                line.partner_id
                and line.partner_id._credit_email_recipients().mapped("email")
                or []
            )

    @api.depends(
        "partner_id",
        "move_ids",
        "level_id.cc_collector",
        "level_id.cc_account_manager",
        "level_id.cc_salesperson",
    )
    def _compute_cc_recipients(self):
        for line in self:
            partner = line.partner_id.with_company(line.preview_id.company_id)
            level = line.level_id
            line.cc_recipients = ", ".join(
                partner
                and level
                and level._credit_cc_partners(
                    partner,
                    partner._credit_collector(level.activity_user_id),
                    line.move_ids,
                ).mapped("email")
                or []
            )
