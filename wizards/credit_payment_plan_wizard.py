from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date, html_escape

from ..models.credit_payment_plan import (
    FREQUENCY_SELECTION,
)
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    open_invoice_domain,
)


class CreditPaymentPlanWizard(models.TransientModel):
    """Prepare a payment plan with the customer on the phone: pick the
    invoices and the terms, see the schedule, create the plan."""

    _name = "credit.payment.plan.wizard"
    _description = "Payment Plan Wizard"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('state', '=', 'posted'),"
        f" ('move_type', 'in', {CUSTOMER_INVOICE_TYPES}),"
        f" ('payment_state', 'in', {OPEN_PAYMENT_STATES})]",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    amount_invoices = fields.Monetary(
        string="Invoices Due", compute="_compute_currency_id"
    )
    date = fields.Date(
        string="Plan Date", required=True, default=fields.Date.context_today
    )
    down_payment = fields.Monetary()
    plan_by = fields.Selection(
        [("count", "Number of installments"), ("amount", "Installment amount")],
        string="Split By",
        default="count",
        required=True,
    )
    installment_count = fields.Integer(string="Installments", default=3)
    installment_amount = fields.Monetary()
    frequency = fields.Selection(FREQUENCY_SELECTION, required=True, default="monthly")
    interval_days = fields.Integer(string="Days Between Installments", default=15)
    first_date = fields.Date(
        string="First Due Date",
        required=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=1),
    )
    interest_rate = fields.Float(string="Interest Rate (%/year)", digits=(16, 4))
    fee_amount = fields.Monetary(string="Fee")
    max_installments = fields.Integer(
        string="Grade Limit",
        compute="_compute_preview",
        help="Most installments the customer's risk grade allows (without "
        "grade: the company's limit); more need a Credit Manager.",
    )
    over_limit = fields.Boolean(compute="_compute_preview")
    is_manager = fields.Boolean(compute="_compute_preview")
    schedule_count = fields.Integer(
        string="Number of Installments", compute="_compute_preview"
    )
    amount_total = fields.Monetary(string="Total", compute="_compute_preview")
    preview_html = fields.Html(
        string="Schedule", compute="_compute_preview", sanitize=False
    )
    preview_error = fields.Char(compute="_compute_preview")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        model, ids = context.get("active_model"), context.get("active_ids") or []
        if context.get("active_id") and not ids:
            ids = [context["active_id"]]
        moves = self.env["account.move"]
        partner = self.env["res.partner"]
        if model == "res.partner" and ids:
            partner = self.env["res.partner"].browse(ids[:1]).commercial_partner_id
            moves = moves.search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("company_id", "=", self.env.company.id),
                    *open_invoice_domain(),
                ]
            )
            moves -= moves.credit_payment_plan_ids.filtered(
                lambda p: p.state in ("draft", "active")
            ).move_ids
        elif model == "account.move" and ids:
            moves = moves.browse(ids)
        elif model == "credit.notice" and ids:
            notices = self.env["credit.notice"].browse(ids)
            moves = notices.line_ids.move_id.filtered(
                lambda m: m.payment_state in OPEN_PAYMENT_STATES
            )
            partner = notices.partner_id[:1]
        if moves and not partner:
            partner = moves.commercial_partner_id[:1]
        if partner:
            values["partner_id"] = partner.id
        if moves:
            values["move_ids"] = [Command.set(moves.ids)]
            values["company_id"] = moves.company_id[:1].id
        return values

    @api.depends("move_ids")
    def _compute_currency_id(self):
        for wizard in self:
            moves = wizard.move_ids._origin
            currency = moves.currency_id[:1] or wizard.company_id.currency_id
            wizard.currency_id = currency
            wizard.amount_invoices = currency.round(
                sum(moves.mapped("amount_residual"))
            )

    def _plan_params(self):
        self.ensure_one()
        return {
            "date": self.date,
            "first_date": self.first_date,
            "frequency": self.frequency,
            "interval_days": self.interval_days if self.frequency == "days" else 0,
            "installment_count": self.installment_count
            if self.plan_by == "count"
            else None,
            "installment_amount": self.installment_amount
            if self.plan_by == "amount"
            else None,
            "down_payment": self.down_payment,
            "interest_rate": self.interest_rate,
            "fee_amount": self.fee_amount,
        }

    @api.depends(
        "move_ids",
        "partner_id",
        "company_id",
        "date",
        "down_payment",
        "plan_by",
        "installment_count",
        "installment_amount",
        "frequency",
        "interval_days",
        "first_date",
        "interest_rate",
        "fee_amount",
    )
    def _compute_preview(self):
        Plan = self.env["credit.payment.plan"]
        is_manager = self.env.user.has_group("credit_collection.group_credit_manager")
        for wizard in self:
            wizard.is_manager = is_manager
            wizard.max_installments = (
                Plan._credit_max_installments(wizard.partner_id, wizard.company_id)
                if wizard.partner_id
                else wizard.company_id.credit_plan_ungraded_max_installments
            )
            wizard.over_limit = False
            wizard.schedule_count = 0
            wizard.amount_total = 0.0
            wizard.preview_html = False
            wizard.preview_error = False
            moves = wizard.move_ids._origin
            if not moves:
                continue
            try:
                schedule = Plan._credit_compute_schedule(moves, wizard._plan_params())
            except (UserError, ValidationError) as error:
                wizard.preview_error = error.args[0]
                continue
            wizard.schedule_count = schedule.count
            wizard.amount_total = float(schedule.total)
            wizard.over_limit = schedule.count > wizard.max_installments
            wizard.preview_html = wizard._render_schedule(schedule)

    def _render_schedule(self, schedule):
        currency = self.currency_id
        rows = []
        for item in schedule.installments:
            label = (
                self.env._("Down payment")
                if item.is_down_payment
                else str(item.sequence)
            )
            cells = (
                html_escape(label),
                html_escape(format_date(self.env, item.date_due)),
                html_escape(currency.format(float(item.amount))),
            )
            rows.append(
                f"<tr><td>{cells[0]}</td><td>{cells[1]}</td>"
                f"<td class='text-end'>{cells[2]}</td></tr>"
            )
        charges = ""
        if schedule.interest or schedule.fee:
            charges = "<p>{}</p>".format(
                html_escape(
                    self.env._(
                        "Including interest %(interest)s and fee %(fee)s.",
                        interest=currency.format(float(schedule.interest)),
                        fee=currency.format(float(schedule.fee)),
                    )
                )
            )
        return (
            "<table class='table table-sm'><thead><tr><th>{}</th><th>{}</th>"
            "<th class='text-end'>{}</th></tr></thead><tbody>{}</tbody>"
            "<tfoot><tr><th colspan='2'>{}</th><th class='text-end'>{}</th></tr>"
            "</tfoot></table>{}"
        ).format(
            html_escape(self.env._("Installment")),
            html_escape(self.env._("Due Date")),
            html_escape(self.env._("Amount")),
            "".join(rows),
            html_escape(self.env._("Total")),
            html_escape(currency.format(float(schedule.total))),
            charges,
        )

    def _credit_create_plan(self):
        self.ensure_one()
        if self.partner_id and self.move_ids:
            partner = self.partner_id.commercial_partner_id
        else:
            partner = self.move_ids.commercial_partner_id[:1] or self.partner_id
        if not partner:
            raise UserError(self.env._("Choose the customer of the payment plan."))
        return self.env["credit.payment.plan"]._credit_create_plan(
            partner, self.move_ids, self._plan_params()
        )

    def action_create(self):
        plan = self._credit_create_plan()
        return plan._get_records_action(name=self.env._("Payment Plan"))

    def action_create_activate(self):
        plan = self._credit_create_plan()
        plan.action_activate()
        return plan._get_records_action(name=self.env._("Payment Plan"))
