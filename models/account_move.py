from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import (
    late_interest,
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
    _inherit = ["account.move", "credit.override.mixin"]
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

    @api.depends("credit_notice_line_ids")
    def _compute_credit_notice_count(self):
        counts = dict(
            self.env["credit.notice.line"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["notice_id:count_distinct"]
            )
        )
        for move in self:
            move.credit_notice_count = counts.get(move, 0)

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

    def _credit_check_amount(self):
        # A draft invoice is already in the exposure (with the draft invoices,
        # or with the orders to invoice when it comes from a sale order).
        return 0.0

    def action_post(self):
        self.filtered(lambda move: move.move_type == "out_invoice")._credit_check()
        return super().action_post()

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

    def action_credit_view_notices(self):
        self.ensure_one()
        notices = self.credit_notice_line_ids.notice_id
        return notices._get_records_action(name=self.env._("Notices"))

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

    def _credit_paused_move_ids(self, date):
        """Ids of the invoices of ``self`` whose dunning is paused on ``date``:
        excluded or paused by hand, disputed, or covered by an open promise to
        pay. Other features (payment plans) add their own pauses here. A few
        queries per call, whatever the number of invoices."""
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
        """Close what the payment of these invoices settles: disputes of paid
        invoices, notices whose invoices are all paid, kept promises, and the
        customer's dunning level when nothing is overdue any more."""
        invoices = self.filtered(
            lambda move: move.is_sale_document(include_receipts=True)
        )
        promises = (
            self.env["credit.promise"]
            .sudo()
            .search([("move_ids", "in", invoices.ids), ("state", "=", "open")])
        )
        promises._credit_check_kept()
        settled = invoices.filtered(
            lambda move: move.payment_state in SETTLED_PAYMENT_STATES
        )
        if not settled:
            return
        disputes = (
            self.env["credit.dispute"]
            .sudo()
            .search([("move_id", "in", settled.ids), ("state", "=", "open")])
        )
        disputes._credit_close_paid()
        notices = (
            self.env["credit.notice"]
            .sudo()
            .search(
                [
                    ("line_ids.move_id", "in", settled.ids),
                    ("state", "in", ("to_validate", "sent")),
                ]
            )
        )
        notices._credit_mark_paid_if_settled()
        partners = settled.commercial_partner_id
        for company in settled.company_id:
            partners.with_company(company)._credit_reset_level_if_nothing_due()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
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
    # Services for the dunning notices and the formal notice
    # ------------------------------------------------------------------
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

    def _credit_receivable_lines(self):
        return self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
            and line.amount_currency > 0
        )

    def _credit_payment_history(self):
        """{receivable line id: [(date, amount in invoice currency)]} of the
        partial reconciliations (payments, credit notes) of ``self``'s
        receivable lines, read in one query."""
        lines = self._credit_receivable_lines()
        history = defaultdict(list)
        if not lines:
            return history
        partials = (
            self.env["account.partial.reconcile"]
            .sudo()
            .search_fetch(
                [("debit_move_id", "in", lines.ids)],
                ["debit_move_id", "debit_amount_currency", "max_date"],
            )
        )
        for partial in partials:
            if partial.debit_amount_currency > 0:
                history[partial.debit_move_id.id].append(
                    (partial.max_date, partial.debit_amount_currency)
                )
        return history

    def _credit_late_interest(
        self, as_of_date, scenario=None, notice_date=None, charged_until=None
    ):
        """Late interest of each invoice of ``self`` up to ``as_of_date``
        included, from its payment history.

        :param scenario: the policy to apply; by default each invoice's
            customer scenario (:meth:`_credit_get_scenario`)
        :param notice_date: formal notice date (consumers owe interest only
            from it); by default :meth:`_credit_get_formal_notice_date`
        :param charged_until: {move id: date} interest already charged up to
            that day included (see ``credit.interest.charge``)
        :return: {move: dict(amount, currency, date_from, date_to, days,
            debtor_type, segments=[dict(date_from, date_to, days, base, rate,
            amount)])}; amounts in the invoice currency, rounded once
        :raise UserError: a reference rate is missing for a half-year
        """
        charged_until = charged_until or {}
        history = self._credit_payment_history()
        rate_tables = {}
        results = {}
        for move in self:
            move_scenario = scenario or move._credit_get_scenario()
            debtor_type = move.partner_id._credit_get_debtor_type()
            move_notice_date = notice_date or move._credit_get_formal_notice_date()
            parts = []
            policy = move_scenario.interest_policy if move_scenario else "none"
            if move.move_type == "out_invoice" and policy != "none":
                company = move.company_id
                if company not in rate_tables:
                    rate_tables[company] = self.env[
                        "credit.interest.rate"
                    ]._get_rate_table(company)
                for line in move._credit_receivable_lines():
                    parts.append(
                        move._credit_line_interest(
                            line,
                            as_of_date,
                            move_scenario,
                            debtor_type,
                            rate_tables[company],
                            history.get(line.id, []),
                            move_notice_date,
                            charged_until.get(move.id),
                        )
                    )
            result = late_interest.combine_results(
                [part for part in parts if part], rounding=move.currency_id.round
            )
            results[move] = {
                "amount": float(result.amount),
                "currency": move.currency_id,
                "date_from": result.segments[0].date_from if result.segments else False,
                "date_to": result.segments[-1].date_to if result.segments else False,
                "days": result.days,
                "debtor_type": debtor_type,
                "segments": [
                    {
                        "date_from": segment.date_from,
                        "date_to": segment.date_to,
                        "days": segment.days,
                        "base": float(segment.base),
                        "rate": float(segment.rate),
                        "amount": move.currency_id.round(float(segment.amount)),
                    }
                    for segment in result.segments
                ],
            }
        return results

    def _credit_line_interest(
        self,
        line,
        as_of_date,
        scenario,
        debtor_type,
        rates,
        payments,
        notice_date,
        charged_until,
    ):
        """Exact interest of one receivable line (one installment)."""
        self.ensure_one()
        due_date = line.date_maturity or self.invoice_date_due or self.invoice_date
        arguments = {
            "principal": line.amount_currency,
            "due_date": due_date,
            "end_date": as_of_date,
            "payments": payments,
            "notice_date": notice_date,
            "charged_until": charged_until,
            "rounding": self.currency_id.round,
        }
        try:
            if scenario.interest_policy == "contractual":
                return late_interest.compute_contractual_interest(
                    contractual_rate=scenario.interest_contractual_rate,
                    debtor_type=debtor_type,
                    jurisdiction=scenario.interest_jurisdiction,
                    rates=rates,
                    **arguments,
                )
            return late_interest.compute_statutory_interest(
                rates=rates,
                jurisdiction=scenario.interest_jurisdiction,
                debtor_type=debtor_type,
                **arguments,
            )
        except late_interest.MissingRateError as error:
            self.env["credit.interest.rate"]._raise_missing_rate(error)
        except late_interest.UnsupportedPolicyError:
            # The EU directive only covers commercial transactions: no
            # statutory interest for a consumer under the "EU" jurisdiction.
            return None
        except late_interest.LateInterestError as error:
            raise UserError(
                self.env._(
                    "Late interest of %(invoice)s cannot be computed: %(error)s",
                    invoice=self.display_name,
                    error=str(error),
                )
            ) from error

    def _credit_is_late(self, as_of_date, history=None):
        """True when an installment was not fully paid on its due date and
        that date is before ``as_of_date``."""
        self.ensure_one()
        history = self._credit_payment_history() if history is None else history
        for line in self._credit_receivable_lines():
            due_date = line.date_maturity or self.invoice_date_due
            if not due_date or due_date >= as_of_date:
                continue
            paid_in_time = sum(
                amount for date, amount in history.get(line.id, []) if date <= due_date
            )
            if self.currency_id.compare_amounts(paid_in_time, line.amount_currency) < 0:
                return True
        return False

    def _credit_recovery_indemnity(self, scenario=None, as_of_date=None):
        """Fixed recovery indemnity owed for each late invoice of ``self``
        (Code de commerce L441-10 / D441-5), in the invoice currency: the
        scenario's amount for a business debtor, 0 for a consumer
        (Code de la consommation L111-8) or an invoice not late.

        :return: {move: amount}
        """
        as_of_date = as_of_date or fields.Date.context_today(self)
        history = self._credit_payment_history()
        results = {}
        for move in self:
            move_scenario = scenario or move._credit_get_scenario()
            amount = 0.0
            if (
                move.move_type == "out_invoice"
                and move_scenario
                and move_scenario.apply_recovery_indemnity
                and move._credit_is_late(as_of_date, history)
            ):
                indemnity = recovery_indemnity.recovery_indemnity(
                    move.partner_id._credit_get_debtor_type(),
                    move_scenario.interest_jurisdiction,
                    move_scenario.recovery_indemnity_amount,
                )
                source_currency = (
                    move_scenario.recovery_indemnity_currency_id
                    or move.company_id.currency_id
                )
                amount = source_currency._convert(
                    float(indemnity), move.currency_id, move.company_id, as_of_date
                )
            results[move] = amount
        return results

    def _credit_limitation_date(self):
        """Date the claim is time-barred (5 years between traders, Code de
        commerce L110-4; 2 years against a consumer, Code de la consommation
        L218-2), counted from the due date."""
        self.ensure_one()
        due_date = self.invoice_date_due or self.invoice_date
        if not due_date:
            return False
        return recovery_indemnity.limitation_date(
            due_date, self.partner_id._credit_get_debtor_type()
        )


class AccountMovePaymentPlan(models.Model):
    """Payment plans: an invoice in an active plan is not reminded, and its
    payments are allocated to the plan's installments."""

    _inherit = "account.move"

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

    @api.depends("credit_payment_plan_ids")
    def _compute_credit_payment_plan_count(self):
        for move in self:
            move.credit_payment_plan_count = len(move.credit_payment_plan_ids)

    def action_credit_view_payment_plans(self):
        self.ensure_one()
        return self.credit_payment_plan_ids._get_records_action(
            name=self.env._("Payment Plans")
        )

    def _credit_paused_move_ids(self, date):
        # EXTENDS: invoices in an active payment plan wait while it is kept.
        paused = super()._credit_paused_move_ids(date)
        plans = (
            self.env["credit.payment.plan"]
            .sudo()
            .search([("move_ids", "in", self.ids), ("state", "=", "active")])
        )
        planned = set(plans.move_ids.ids)
        return paused | (planned & set(self.ids))

    def _credit_settle(self):
        # EXTENDS: payments on planned invoices pay the installments.
        result = super()._credit_settle()
        plans = (
            self.env["credit.payment.plan"]
            .sudo()
            .search(
                [("move_ids", "in", self.ids), ("state", "in", ("active", "broken"))]
            )
        )
        plans._credit_allocate()
        return result
