from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import (
    overdue,
    recovery_indemnity,
)
from ..tools.receivable import (
    CUSTOMER_INVOICE_TYPES,
    OPEN_PAYMENT_STATES,
    SETTLED_PAYMENT_STATES,
)
from .credit_engine import CONTROLLER
from .credit_override_mixin import OVERRIDE_FIELDS


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = [
        "account.move",
        "credit.override.mixin",
        "credit.move.late.interest",
        "credit.move.forecast",
        "credit.move.insurance",
    ]
    _credit_engine_fields = OVERRIDE_FIELDS + (
        "credit_level_id",
        "credit_last_notice_id",
        "credit_formal_notice_date",
        "credit_notice_line_ids",
        "credit_payment_plan_ids",
    )

    # The engine reads open invoices customer by customer, in batches (dunning,
    # exposure, risk): without an index each batch scans every move.
    commercial_partner_id = fields.Many2one(index=True)
    credit_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Highest dunning level this invoice has been through.",
        groups=CONTROLLER,
    )
    credit_last_notice_id = fields.Many2one(
        "credit.notice",
        string="Last Notice",
        readonly=True,
        copy=False,
        groups=CONTROLLER,
    )
    credit_notice_line_ids = fields.One2many(
        "credit.notice.line",
        "move_id",
        string="Notice Lines",
        readonly=True,
        groups=CONTROLLER,
    )
    credit_notice_count = fields.Integer(
        compute="_compute_credit_notice_count", groups=CONTROLLER
    )
    credit_formal_notice_date = fields.Date(
        string="Formal Notice Date",
        readonly=True,
        copy=False,
        help="Date of the first formal notice that listed this invoice.",
        groups=CONTROLLER,
    )
    credit_paused_until = fields.Date(
        string="Dunning Paused Until",
        copy=False,
        tracking=True,
        help="No reminder is sent for this invoice until this date included.",
        groups=CONTROLLER,
    )
    credit_excluded = fields.Boolean(
        string="Excluded from Dunning",
        copy=False,
        tracking=True,
        groups=CONTROLLER,
    )
    credit_dispute_ids = fields.One2many(
        "credit.dispute",
        "move_id",
        string="Disputes",
        readonly=True,
        groups=CONTROLLER,
    )
    credit_disputed = fields.Boolean(
        string="Disputed",
        compute="_compute_credit_disputed",
        groups=CONTROLLER,
    )
    credit_interest_charge_ids = fields.One2many(
        "credit.interest.charge",
        "source_move_id",
        string="Interest Charges",
        help="Late interest and recovery indemnities invoiced for this invoice.",
        groups=CONTROLLER,
    )
    credit_limitation_date = fields.Date(
        string="Limitation Date",
        compute="_compute_credit_limitation",
        help="Last day the claim can be brought to court: 5 years after the due "
        "date between traders, 2 years against a consumer.",
        groups=CONTROLLER,
    )
    credit_limitation_warning = fields.Boolean(
        string="Limitation Near",
        compute="_compute_credit_limitation",
        help="The invoice is still unpaid and its limitation date is less than "
        "6 months away, or past.",
        groups=CONTROLLER,
    )
    credit_payment_plan_ids = fields.Many2many(
        "credit.payment.plan",
        "credit_payment_plan_move_rel",
        "move_id",
        "plan_id",
        string="Payment Plans",
        readonly=True,
        copy=False,
        groups=CONTROLLER,
    )
    credit_payment_plan_count = fields.Integer(
        compute="_compute_credit_payment_plan_count",
        groups=CONTROLLER,
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------

    @api.depends("credit_notice_line_ids")
    def _compute_credit_notice_count(self):
        counts = dict(
            self.env["credit.notice.line"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["notice_id:count_distinct"]
            )
        )
        for move in self:
            move.credit_notice_count = counts.get(move, 0)

    @api.depends("credit_payment_plan_ids")
    def _compute_credit_payment_plan_count(self):
        for move in self:
            move.credit_payment_plan_count = len(move.credit_payment_plan_ids)

    @api.depends("credit_dispute_ids.state")
    def _compute_credit_disputed(self):
        for move in self:
            move.credit_disputed = any(
                dispute.state == "open" for dispute in move.credit_dispute_ids
            )

    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "invoice_date",
        "invoice_date_due",
        "partner_id.commercial_partner_id.credit_debtor_type",
        "partner_id.commercial_partner_id.is_company",
    )
    def _compute_credit_limitation(self):
        # Not stored: the warning moves with today's date.
        today = fields.Date.context_today(self)
        for move in self:
            limit = False
            if move.move_type in CUSTOMER_INVOICE_TYPES and move.partner_id:
                limit = move._credit_limitation_date()
            move.credit_limitation_date = limit
            move.credit_limitation_warning = bool(
                limit
                and move.state == "posted"
                and move.payment_state in OPEN_PAYMENT_STATES
                and recovery_indemnity.limitation_warning(limit, today)
            )

    def _compute_partner_credit_warning(self):
        # EXTENDS 'account': a customer on credit hold is shown on its draft
        # invoices, whatever the credit limit setting.
        result = super()._compute_partner_credit_warning()
        for move in self.filtered(
            lambda move: move.state == "draft" and move.move_type == "out_invoice"
        ):
            move.partner_credit_warning = move._credit_with_hold_warning(
                move.partner_credit_warning
            )
        return result

    # ------------------------------------------------------------------
    # CRUD methods
    # ------------------------------------------------------------------

    def action_post(self):
        self.filtered(lambda move: move.move_type == "out_invoice")._credit_check()
        return super().action_post()

    # ------------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------------

    def action_credit_view_notices(self):
        self.ensure_one()
        notices = self.credit_notice_line_ids.notice_id
        return notices._get_records_action(name=self.env._("Notices"))

    def action_credit_view_payment_plans(self):
        self.ensure_one()
        return self.credit_payment_plan_ids._get_records_action(
            name=self.env._("Payment Plans")
        )

    def action_credit_open_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute"),
            "res_model": "credit.dispute.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_credit_invoice_late_interest(self):
        """Invoice the late interest and recovery indemnities of the selected
        customer invoices, as of today: one draft invoice per customer."""
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can invoice late interest.")
            )
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if not invoices:
            raise UserError(
                self.env._("Select posted customer invoices to invoice interest on.")
            )
        charges = self.env["credit.interest.charge"]._credit_charge_invoices(
            invoices, fields.Date.context_today(self)
        )
        interest_invoices = charges.charge_move_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(interest_invoices) == 1:
            action.update(
                views=[(self.env.ref("account.view_move_form").id, "form")],
                res_id=interest_invoices.id,
            )
        else:
            action["domain"] = [("id", "in", interest_invoices.ids)]
        return action

    # ------------------------------------------------------------------
    # Business methods: the credit check
    # ------------------------------------------------------------------

    def _credit_check_amount(self):
        # A draft invoice is already in the exposure (with the draft invoices,
        # or with the orders to invoice when it comes from a sale order).
        return 0.0

    def _credit_approve_and_confirm(self, reason):
        self._credit_approve_override(reason)
        return self.action_post()

    def _build_credit_warning_message(
        self, record, current_amount=0.0, exclude_current=False, exclude_amount=0.0
    ):
        # EXTENDS 'account': the credit-limit banner of quotations and draft
        # invoices. Odoo reads the partner's credit limit there with the
        # user's rights, so a salesperson could not open a quotation once
        # credit limits are on: read as superuser, figures only to who may
        # read them.
        message = super(AccountMove, self.sudo())._build_credit_warning_message(
            record.sudo(),
            current_amount=current_amount,
            exclude_current=exclude_current,
            exclude_amount=exclude_amount,
        )
        if message and not self.env["res.partner"]._credit_user_reads_figures():
            message = self.env._(
                "%(partner)s has reached its credit limit.",
                partner=record.partner_id.commercial_partner_id.display_name,
            )
        return message

    # ------------------------------------------------------------------
    # Business methods: dunning and settlement
    # ------------------------------------------------------------------

    def _credit_paused_move_ids(self, date):
        """Ids of the invoices of ``self`` whose dunning is paused on ``date``:
        excluded or paused by hand, disputed, covered by an open promise to
        pay or by an active payment plan (paused while it is kept), or of a
        customer whose reply waits for a controller. A few queries per call,
        whatever the number of invoices."""
        # A search, not a loop over the records: reading two fields would
        # load every column of every invoice.
        paused = set(
            self.sudo()
            .search(
                [
                    ("id", "in", self.ids),
                    "|",
                    ("credit_excluded", "=", True),
                    ("credit_paused_until", ">=", date),
                ]
            )
            .ids
        )
        disputes = (
            self.env["credit.dispute"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("state", "=", "open")], ["move_id"]
            )
        )
        paused.update(move.id for (move,) in disputes)
        promises = (
            self.env["credit.promise"]
            .sudo()
            .search(
                [
                    ("move_ids", "in", self.ids),
                    ("state", "=", "open"),
                    ("promise_date", ">=", date),
                ]
            )
        )
        paused.update(promises.move_ids.ids)
        plans = (
            self.env["credit.payment.plan"]
            .sudo()
            .search([("move_ids", "in", self.ids), ("state", "=", "active")])
        )
        paused.update(plans.move_ids.ids)
        # A customer's reply to a reminder waits for a controller.
        replied = (
            self.env["credit.notice"]
            .sudo()
            .search([("reply_state", "=", "to_handle")])
            .partner_id
        )
        if replied:
            paused.update(
                self.sudo()
                .search(
                    [
                        ("id", "in", self.ids),
                        ("commercial_partner_id", "in", replied.ids),
                    ]
                )
                .ids
            )
        return paused & set(self.ids)

    def _credit_settle(self):
        """Close what the payment of these invoices settles (called by every
        reconciliation): see ``_credit_close_settled``."""
        invoices = self.filtered(
            lambda move: move.is_sale_document(include_receipts=True)
        )
        settled = invoices.filtered(
            lambda move: move.payment_state in SETTLED_PAYMENT_STATES
        )
        disputes = self.env["credit.dispute"].sudo()
        notices = self.env["credit.notice"].sudo()
        if settled:
            disputes = disputes.search(
                [("move_id", "in", settled.ids), ("state", "=", "open")]
            )
            notices = notices.search(
                [
                    ("line_ids.move_id", "in", settled.ids),
                    ("state", "in", ("to_validate", "sent")),
                ]
            )
        self._credit_close_settled(
            promises=self.env["credit.promise"]
            .sudo()
            .search([("move_ids", "in", invoices.ids), ("state", "=", "open")]),
            disputes=disputes,
            notices=notices,
            partners=settled.commercial_partner_id,
            companies=settled.company_id,
            plans=self.env["credit.payment.plan"]
            .sudo()
            .search(
                [("move_ids", "in", self.ids), ("state", "in", ("active", "broken"))]
            ),
        )

    @api.model
    def _credit_close_settled(
        self, promises, notices, partners, companies, disputes=None, plans=None
    ):
        """The settlement sequence, written once for the reconciliation
        (``_credit_settle``, the paid invoices' records) and the daily run's
        housekeeping (a company's records, for what no reconciliation
        reports: payments without journal entry): promises paid are kept,
        disputes of paid invoices close, notices whose invoices are all paid
        become paid, customers with nothing overdue in ``companies`` fall back
        to no level, and the payments pay the plans' installments."""
        promises._credit_settle_kept_promises()
        if disputes:
            disputes._credit_close_paid()
        notices._credit_mark_paid_if_settled()
        for company in companies:
            partners.with_company(company)._credit_reset_level_if_nothing_due()
        if plans:
            plans._credit_allocate()

    def _credit_get_scenario(self):
        """The dunning scenario of the invoice's customer in the invoice's
        company: the customer's own, else the company default."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return partner._credit_resolve_scenarios(self.company_id)[partner.id]

    def _credit_get_formal_notice_date(self):
        """Hook: date of the formal notice (mise en demeure) sent for this
        invoice, from which consumer interest runs (Code civil 1231-6).
        False when none was sent."""
        self.ensure_one()
        return self.credit_formal_notice_date

    def _credit_days_overdue(self, on_date):
        """{move id: days overdue on ``on_date``}, counted from the first
        unpaid due date of each invoice (its open receivable installments)
        as the dunning engine counts them for its notices: one read for all
        the invoices."""
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", self.ids),
                    ("account_type", "=", "asset_receivable"),
                    ("reconciled", "=", False),
                    ("amount_residual", ">", 0),
                ],
                ["move_id", "date_maturity"],
            )
        )
        first_due = {}
        for line in lines.filtered("date_maturity"):
            move_id = line.move_id.id
            first_due[move_id] = min(
                line.date_maturity, first_due.get(move_id, line.date_maturity)
            )
        days = {}
        for move in self:
            due = first_due.get(move.id) or move.invoice_date_due or move.invoice_date
            if due:
                days[move.id] = overdue.days_overdue(due, on_date)
        return days
