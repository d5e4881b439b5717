import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    SETTLED_PAYMENT_STATES,
)
from .credit_engine import check_engine_fields

# Kept and broken are the payments' and the daily run's verdict.
ENGINE_FIELDS = ("state", "residual_at_promise")
# An amount as a customer types it: digits, an optional sign and decimal
# separator, no exponent, no thousands separator.
AMOUNT_RE = re.compile(r"^-?\d{1,15}(?:[.,](\d+))?$")


class CreditPromise(models.Model):
    """A customer's promise to pay some invoices by a date. Dunning of those
    invoices waits until that date; a payment kept closes it, a date passed
    without it breaks it."""

    _name = "credit.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "promise_date, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('state', '=', 'posted'),"
        f" ('move_type', 'in', {CUSTOMER_INVOICE_TYPES}),"
        f" ('payment_state', 'in', {OPEN_PAYMENT_STATES})]",
    )
    amount = fields.Monetary(required=True, tracking=True)
    promise_date = fields.Date(string="Promised Date", required=True, tracking=True)
    residual_at_promise = fields.Monetary(
        readonly=True, help="What the invoices still owed when the promise was made."
    )
    amount_paid = fields.Monetary(
        string="Paid Since",
        compute="_compute_amount_paid",
        help="Paid on the promised invoices since the promise was made.",
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    # Internal fields (portal customers read their promise, not how it is
    # handled): for employees only.
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        default=lambda self: self.env.user,
        groups="base.group_user",
    )
    source = fields.Selection(
        [("backend", "Collector"), ("portal", "Customer portal")],
        default="backend",
        required=True,
    )
    note = fields.Text(groups="base.group_user")

    @api.depends("move_ids.amount_residual_signed", "residual_at_promise")
    def _compute_amount_paid(self):
        for promise in self:
            residual = sum(promise.move_ids.mapped("amount_residual_signed"))
            promise.amount_paid = max(promise.residual_at_promise - residual, 0.0)

    @api.depends("partner_id", "amount", "promise_date")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "%(partner)s: %(amount)s by %(date)s",
                partner=promise.partner_id.display_name or "",
                amount=promise.currency_id.format(promise.amount or 0.0),
                date=format_date(self.env, promise.promise_date)
                if promise.promise_date
                else "",
            )

    @api.constrains("amount", "move_ids", "partner_id")
    def _check_promise(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0.0) <= 0:
                raise ValidationError(
                    self.env._("The promised amount must be positive.")
                )
            foreign = promise.move_ids.filtered(
                lambda move, p=promise: move.commercial_partner_id
                != p.partner_id.commercial_partner_id
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Invoices %(invoices)s are not invoices of %(partner)s.",
                        invoices=", ".join(foreign.mapped("name")),
                        partner=promise.partner_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS, initial={"state": "open"})
        promises = super().create(vals_list)
        for promise in promises:
            promise.sudo().residual_at_promise = sum(
                promise.move_ids.mapped("amount_residual_signed")
            )
            for move in promise.move_ids:
                move.message_post(
                    body=self.env._(
                        "Promise to pay: %(promise)s.", promise=promise.display_name
                    )
                )
        return promises

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().write(vals)

    def action_cancel(self):
        self.check_access("write")
        self.filtered(lambda p: p.state == "open").sudo().state = "cancelled"
        return True

    @api.model
    def _credit_create_from_portal(self, partner, invoices, amount, promise_date, note):
        """The promise to pay ``invoices`` (open invoices of ``partner``, one
        company) that the customer made on the portal, with the amount, date
        and note as typed: checked (the date within the portal horizon, a
        positive amount of at most what the invoices owe) before anything is
        created.

        :raise UserError: naming what is wrong
        """
        company = invoices.company_id
        currency = company.currency_id
        today = fields.Date.context_today(invoices)
        promise_date = company._credit_parse_portal_date(promise_date, today)
        owed = currency.round(sum(invoices.mapped("amount_residual_signed")))
        amount = self._credit_parse_amount(amount, currency, owed)
        commercial = partner.with_company(company)
        return (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "move_ids": [(6, 0, invoices.ids)],
                    "amount": amount,
                    "promise_date": promise_date,
                    "source": "portal",
                    "user_id": commercial._credit_collector().id,
                    "note": (note or "").strip()[:2000] or False,
                }
            )
        )

    @api.model
    def _credit_parse_amount(self, value, currency, owed):
        """The amount a customer typed: a plain number, positive, with no
        more decimals than the currency has, at most ``owed``."""
        text = str(value or "").strip().replace(" ", "").replace("\u00a0", "")
        match = AMOUNT_RE.match(text)
        if not match or len(match.group(1) or "") > currency.decimal_places:
            raise UserError(
                self.env._(
                    "Give the amount as a number with at most %(decimals)s "
                    "decimals, for example 150.50.",
                    decimals=currency.decimal_places,
                )
            )
        amount = float(text.replace(",", "."))
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The amount must be positive."))
        if currency.compare_amounts(amount, owed) > 0:
            raise UserError(
                self.env._(
                    "The amount cannot exceed what these invoices owe (%(owed)s).",
                    owed=currency.format(owed),
                )
            )
        return currency.round(amount)

    def _credit_settle_kept_promises(self):
        """Open promises whose amount has been paid are kept."""
        # Called while a reconciliation completes: read fresh residuals.
        self.invalidate_recordset(["amount_paid"])
        for promise in self.filtered(lambda p: p.state == "open"):
            invoices_paid = all(
                move.payment_state in SETTLED_PAYMENT_STATES
                for move in promise.move_ids
            )
            if invoices_paid or (
                promise.currency_id.compare_amounts(promise.amount_paid, promise.amount)
                >= 0
            ):
                promise.sudo().state = "kept"

    @api.model
    def _credit_detect_broken(self, date, company):
        """Open promises of ``company`` past their date and not kept are
        broken: the collector gets a task, dunning resumes at once."""
        overdue = self.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "open"),
                ("promise_date", "<", date),
            ]
        )
        overdue._credit_settle_kept_promises()
        broken = overdue.filtered(lambda p: p.state == "open")
        for promise in broken:
            promise.sudo().state = "broken"
            promise.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=date,
                summary=self.env._(
                    "Broken promise: %(partner)s did not pay %(amount)s",
                    partner=promise.partner_id.display_name,
                    amount=promise.currency_id.format(promise.amount),
                ),
                user_id=promise.partner_id.with_company(promise.company_id)
                ._credit_collector(promise.user_id)
                .id,
            )
        return broken
