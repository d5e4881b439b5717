import base64

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.receivable import CUSTOMER_INVOICE_TYPES
from .credit_engine import check_engine_fields

# Resolved or cancelled through the dispute's buttons or by the payment.
ENGINE_FIELDS = ("state", "date_closed")

# The largest file a customer may attach to a dispute on the portal.
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024


class CreditDispute(models.Model):
    """A disputed invoice: no reminder goes out for it while the dispute is
    open, and it closes itself when the invoice is paid."""

    _name = "credit.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        tracking=True,
        domain=f"[('move_type', 'in', {CUSTOMER_INVOICE_TYPES}), "
        "('state', '=', 'posted')]",
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id",
        store=True,
        index=True,
        string="Customer",
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(related="move_id.amount_residual")
    reason = fields.Selection(
        [
            ("quality", "Quality of goods or services"),
            ("delivery", "Not delivered or incomplete"),
            ("price", "Price or quantity"),
            ("duplicate", "Already paid or duplicate"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
        tracking=True,
    )
    description = fields.Text()
    # Internal fields (portal customers read their dispute, not how it is
    # handled): for employees only.
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        groups="base.group_user",
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    resolution = fields.Text(groups="base.group_user")
    date_closed = fields.Date(readonly=True)
    source = fields.Selection(
        [("backend", "Collector"), ("portal", "Customer portal")],
        default="backend",
        required=True,
    )

    @api.depends("move_id", "reason")
    def _compute_display_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for dispute in self:
            dispute.display_name = self.env._(
                "%(invoice)s: %(reason)s",
                invoice=dispute.move_id.name or "",
                reason=reasons.get(dispute.reason, ""),
            )

    @api.constrains("move_id", "state")
    def _check_one_open_dispute(self):
        for dispute in self.filtered(lambda d: d.state == "open"):
            if self.search_count(
                [
                    ("move_id", "=", dispute.move_id.id),
                    ("state", "=", "open"),
                    ("id", "!=", dispute.id),
                ]
            ):
                raise ValidationError(
                    self.env._(
                        "Invoice %(invoice)s already has an open dispute.",
                        invoice=dispute.move_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS, initial={"state": "open"})
        disputes = super().create(vals_list)
        for dispute in disputes:
            dispute.move_id.message_post(
                body=self.env._(
                    "Disputed (%(reason)s): dunning paused for this invoice.",
                    reason=dispute.display_name,
                )
            )
        return disputes

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().write(vals)

    def action_resolve(self):
        self.check_access("write")
        self.filtered(lambda d: d.state == "open").sudo().write(
            {"state": "resolved", "date_closed": fields.Date.context_today(self)}
        )
        return True

    def action_cancel(self):
        self.check_access("write")
        self.filtered(lambda d: d.state == "open").sudo().write(
            {"state": "cancelled", "date_closed": fields.Date.context_today(self)}
        )
        return True

    @api.model
    def _credit_create_from_portal(
        self, partner, invoice, reason, message, attachment, author
    ):
        """The dispute of ``invoice`` (an open invoice of ``partner``) that
        the customer opened on the portal: the reason, the message and the
        attached file (``(name, content)`` or ``None``) as sent, checked
        before anything is created; the message is posted on the dispute
        with ``author``.

        :raise UserError: naming what is wrong
        """
        reasons = dict(self._fields["reason"].selection)
        if reason not in reasons:
            raise UserError(self.env._("Choose the reason of the dispute."))
        message = (message or "").strip()
        if not message:
            raise UserError(self.env._("Tell us what is wrong with this invoice."))
        name, content = attachment or ("", b"")
        if len(content) > MAX_ATTACHMENT_SIZE:
            raise UserError(self.env._("The attached file cannot exceed 10 MB."))
        company = invoice.company_id
        record = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "move_id": invoice.id,
                    "reason": reason,
                    "description": message[:5000],
                    "source": "portal",
                    "user_id": partner.with_company(company)._credit_collector().id,
                }
            )
        )
        attachments = self.env["ir.attachment"]
        if content:
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": name[:255],
                        "datas": base64.b64encode(content),
                        "res_model": "credit.dispute",
                        "res_id": record.id,
                    }
                )
            )
        record.message_post(
            body=self.env._("Customer message: %(message)s", message=message),
            attachment_ids=attachments.ids,
            author_id=author.id,
        )
        return record

    def _credit_close_paid(self):
        for dispute in self.filtered(lambda d: d.state == "open"):
            dispute.sudo().write(
                {
                    "state": "resolved",
                    "date_closed": fields.Date.context_today(dispute),
                    "resolution": self.env._("Closed by the payment of the invoice."),
                }
            )
