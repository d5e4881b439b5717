from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from ..compat import Constraint
from .credit_engine import EMAIL_LAYOUT, check_engine_fields
from .credit_payment_plan_creation import OPEN_PLAN_STATES

# What the customer agreed to and where the plan stands: set when the plan is
# made (_credit_create_plan) and by its actions, never written directly.
ENGINE_FIELDS = (
    "name",
    "company_id",
    "partner_id",
    "currency_id",
    "move_ids",
    "charge_move_id",
    "installment_ids",
    "state",
    "date",
    "first_date",
    "frequency",
    "interval_days",
    "installment_count",
    "amount_invoices",
    "down_payment",
    "interest_rate",
    "interest_amount",
    "fee_amount",
    "amount_total",
    "amount_paid",
    "amount_remaining",
    "progress",
    "residual_at_start",
    "next_due_date",
    "date_activated",
    "date_broken",
    "source",
    "exceeds_grade_limit",
)
FREQUENCY_SELECTION = [
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("days", "Every N Days"),
]


class CreditPaymentPlan(models.Model):
    """An agreed schedule over some invoices of one customer. While it is
    kept, dunning of those invoices waits; payments on them are allocated to
    the installments in order; a late installment past the grace period
    breaks the plan and dunning resumes."""

    _name = "credit.payment.plan"
    _description = "Payment Plan"
    # The concerns of a plan, one file each: creation, follow-up.
    _inherit = [
        "credit.payment.plan.creation",
        "credit.payment.plan.follow.up",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "credit_payment_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Charges Invoice",
        readonly=True,
        copy=False,
        check_company=True,
        help="Invoice of the plan's interest and fee, issued when the plan "
        "is activated.",
    )
    installment_ids = fields.One2many(
        "credit.payment.plan.installment", "plan_id", string="Schedule", readonly=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("done", "Done"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    date = fields.Date(
        string="Plan Date",
        required=True,
        readonly=True,
        default=fields.Date.context_today,
        help="Date of the agreement; the down payment is due on it.",
    )
    first_date = fields.Date(string="First Due Date", required=True, readonly=True)
    frequency = fields.Selection(
        FREQUENCY_SELECTION, required=True, readonly=True, default="monthly"
    )
    interval_days = fields.Integer(string="Days Between Installments", readonly=True)
    installment_count = fields.Integer(
        string="Installments",
        readonly=True,
        help="Number of installments, down payment excluded.",
    )
    amount_invoices = fields.Monetary(
        string="Invoices Due",
        readonly=True,
        help="What the invoices still owed when the plan was made.",
    )
    down_payment = fields.Monetary(readonly=True)
    interest_rate = fields.Float(
        string="Interest Rate (%/year)", readonly=True, digits=(16, 4)
    )
    interest_amount = fields.Monetary(string="Interest", readonly=True)
    fee_amount = fields.Monetary(string="Fee", readonly=True)
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True
    )
    amount_paid = fields.Monetary(string="Paid", compute="_compute_amounts", store=True)
    amount_remaining = fields.Monetary(
        string="Remaining", compute="_compute_amounts", store=True
    )
    progress = fields.Float(compute="_compute_amounts", store=True, aggregator="avg")
    residual_at_start = fields.Monetary(
        readonly=True,
        copy=False,
        help="What the plan's invoices owed when it was activated; what they "
        "owe less since is what the customer paid under the plan.",
    )
    next_due_date = fields.Date(compute="_compute_amounts", store=True)
    date_activated = fields.Date(readonly=True, copy=False)
    date_broken = fields.Date(readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        groups="base.group_user",
    )
    source = fields.Selection(
        [("backend", "Collector"), ("portal", "Customer portal")],
        default="backend",
        required=True,
        readonly=True,
    )
    exceeds_grade_limit = fields.Boolean(
        readonly=True,
        copy=False,
        help="More installments than the customer's risk grade allows: a "
        "Credit Manager approved it.",
        groups="base.group_user",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        compute="_compute_contact_id",
        help="The customer's invoicing contact, who receives the plan.",
    )
    note = fields.Text(groups="base.group_user")

    _name_company_unique = Constraint(
        "unique(name, company_id)",
        "A payment plan number must be unique per company.",
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------

    @api.depends(
        "installment_ids.amount", "installment_ids.paid_amount", "installment_ids.state"
    )
    def _compute_amounts(self):
        for plan in self:
            installments = plan.installment_ids
            total = sum(installments.mapped("amount"))
            paid = sum(installments.mapped("paid_amount"))
            plan.amount_total = total
            plan.amount_paid = paid
            plan.amount_remaining = plan.currency_id.round(total - paid)
            plan.progress = 100.0 * paid / total if total else 0.0
            unpaid = installments.filtered(lambda i: i.state in ("open", "late"))
            plan.next_due_date = min(unpaid.mapped("date_due"), default=False)

    @api.depends("partner_id")
    def _compute_contact_id(self):
        for plan in self:
            plan.contact_id = (
                plan.partner_id._credit_contact() if plan.partner_id else False
            )

    # ------------------------------------------------------------------
    # Constraint methods
    # ------------------------------------------------------------------

    @api.constrains("move_ids", "partner_id", "company_id", "state")
    def _check_moves(self):
        for plan in self.filtered(lambda p: p.state in OPEN_PLAN_STATES):
            plan._credit_check_invoices(plan.move_ids - plan.charge_move_id)

    # ------------------------------------------------------------------
    # CRUD methods
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS)
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("credit.payment.plan")
                    or "/"
                )
        plans = super().create(vals_list)
        for plan in plans:
            plan.message_subscribe(partner_ids=plan.user_id.partner_id.ids)
        return plans

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancelled(self):
        if any(plan.state not in ("draft", "cancelled") for plan in self):
            raise UserError(
                self.env._("Only draft or cancelled payment plans can be deleted.")
            )

    # ------------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------------

    def action_activate(self):
        """Approve the plan: issue the charges invoice, pause dunning of its
        invoices and send the customer the schedule."""
        self.check_access("write")
        today = fields.Date.context_today(self)
        for plan in self:
            if plan.state != "draft":
                raise UserError(
                    self.env._("Only a draft payment plan can be activated.")
                )
            plan._credit_check_invoices(plan.move_ids)
            plan._credit_check_schedule()
            first = plan.installment_ids.filtered(lambda i: not i.is_down_payment)[:1]
            if first.date_due < today:
                raise UserError(
                    self.env._(
                        "The first installment of %(plan)s was due on %(date)s: "
                        "cancel it and prepare a new schedule.",
                        plan=plan.name,
                        date=first.date_due,
                    )
                )
            residual = plan.currency_id.round(
                sum(plan.move_ids.mapped("amount_residual"))
            )
            if plan.currency_id.compare_amounts(residual, plan.amount_invoices):
                raise UserError(
                    self.env._(
                        "The invoices of %(plan)s now owe %(residual)s instead of "
                        "%(expected)s: cancel it and prepare a new schedule.",
                        plan=plan.name,
                        residual=plan.currency_id.format(residual),
                        expected=plan.currency_id.format(plan.amount_invoices),
                    )
                )
            exceeds = plan._credit_check_grade_limit(
                plan.partner_id, plan.company_id, plan.installment_count
            )
            plan._credit_create_charge_invoice()
            plan.sudo().write(
                {
                    "state": "active",
                    "date_activated": today,
                    "exceeds_grade_limit": exceeds or plan.exceeds_grade_limit,
                    "residual_at_start": plan.currency_id.round(
                        sum(plan.move_ids.mapped("amount_residual"))
                    ),
                }
            )
            plan.message_post(
                body=self.env._(
                    "Payment plan approved by %(user)s.", user=self.env.user.name
                )
            )
            for move in plan.move_ids:
                move.message_post(
                    body=self.env._(
                        "In payment plan %(plan)s: reminders paused while it is kept.",
                        plan=plan.name,
                    )
                )
            plan._credit_send_plan()
        self._credit_allocate()
        return True

    def action_cancel(self):
        """Cancel the plan: installments cancelled, pause lifted, the charges
        invoice reversed when nothing was paid on it."""
        self.check_access("write")
        for plan in self:
            if plan.state in ("done", "cancelled"):
                raise UserError(
                    self.env._(
                        "Payment plan %(plan)s is already closed.", plan=plan.name
                    )
                )
            charge = plan.charge_move_id
            if charge.state == "posted" and charge.payment_state == "not_paid":
                charge._reverse_moves(
                    [
                        {
                            "ref": self.env._(
                                "Cancellation of payment plan %(plan)s", plan=plan.name
                            )
                        }
                    ],
                    cancel=True,
                )
            elif charge.state == "draft":
                charge.button_cancel()
            plan.installment_ids.sudo().write({"state": "cancelled"})
            plan.sudo().write({"state": "cancelled"})
            plan.message_post(
                body=self.env._(
                    "Payment plan cancelled by %(user)s.", user=self.env.user.name
                )
            )
            plan.activity_unlink(["mail.mail_activity_data_todo"])
            for move in plan.move_ids - charge:
                move.message_post(
                    body=self.env._(
                        "Payment plan %(plan)s cancelled: reminders resume.",
                        plan=plan.name,
                    )
                )
        return True

    def action_send(self):
        self.ensure_one()
        if self.state != "active":
            raise UserError(self.env._("Only an active payment plan can be sent."))
        self._credit_send_plan()
        return True

    def action_view_invoices(self):
        self.ensure_one()
        return self.move_ids._get_records_action(name=self.env._("Invoices"))

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _credit_check_schedule(self):
        """The schedule is the one the plan was made with: as many
        installments as its count, adding up to what the invoices owe plus
        the charges, the down payment as agreed."""
        self.ensure_one()
        currency = self.currency_id
        rows = self.installment_ids
        down = rows.filtered("is_down_payment")
        expected = self.amount_invoices + self.interest_amount + self.fee_amount
        if (
            len(rows - down) != self.installment_count
            or len(down) > 1
            or currency.compare_amounts(sum(down.mapped("amount")), self.down_payment)
            or currency.compare_amounts(sum(rows.mapped("amount")), expected)
        ):
            raise UserError(
                self.env._(
                    "The schedule of %(plan)s does not match the plan: cancel it "
                    "and prepare a new one.",
                    plan=self.name,
                )
            )

    def _credit_create_charge_invoice(self):
        """Interest and fee are owed like an invoice: one posted invoice, part
        of the plan, so that the customer's payments can settle them."""
        self.ensure_one()
        charges = self.currency_id.round(self.interest_amount + self.fee_amount)
        if self.currency_id.is_zero(charges):
            return self.env["account.move"]
        product = self.env.ref("credit_collection.product_payment_plan_charges")
        lines = []
        for kind, label, amount in (
            (
                "interest",
                self.env._("Payment plan %(plan)s: interest", plan=self.name),
                self.interest_amount,
            ),
            (
                "fee",
                self.env._("Payment plan %(plan)s: fee", plan=self.name),
                self.fee_amount,
            ),
        ):
            if not self.currency_id.is_zero(amount):
                account = self.company_id._credit_charge_account(kind)
                lines.append(
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": label,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            **({"account_id": account.id} if account else {}),
                        }
                    )
                )
        last_date = max(self.installment_ids.mapped("date_due"))
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_date_due": last_date,
                    "invoice_origin": self.name,
                    "invoice_line_ids": lines,
                }
            )
        )
        move.action_post()
        self.sudo().write(
            {"charge_move_id": move.id, "move_ids": [Command.link(move.id)]}
        )
        return move

    def _credit_send_plan(self):
        """Email the schedule (with its PDF) to the customer's invoicing
        contact."""
        template = self.env.ref(
            "credit_collection.mail_template_payment_plan", raise_if_not_found=False
        )
        for plan in self:
            contact = plan.contact_id
            if not template or not contact.email:
                plan.message_post(
                    body=self.env._(
                        "The plan could not be emailed: %(partner)s has no email "
                        "address. Print it and send it by post.",
                        partner=contact.display_name,
                    )
                )
                continue
            template.send_mail(
                plan.id,
                force_send=False,
                email_layout_xmlid=EMAIL_LAYOUT,
            )
            plan.message_post(
                body=self.env._(
                    "Payment plan emailed to %(recipient)s (%(email)s).",
                    recipient=contact.display_name,
                    email=contact.email,
                )
            )
