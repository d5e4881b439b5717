from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from ..compat import Constraint
from ..tools.notice_totals import notice_totals
from .credit_engine import check_engine_fields, engine_allowed

# Set by the notice's actions and the engine only (see credit_engine.py).
ENGINE_FIELDS = (
    "state",
    "sent_date",
    "date_closed",
    "letter_attachment_id",
    "amount_residual",
    "amount_overdue",
    "amount_total",
    "max_days_overdue",
    "priority_score",
    "email_state",
    "email_message_id",
    "email_retry_count",
    "reply_state",
)
# What a notice said once it went out: fixed, like the letter.
ISSUED_FIELDS = (
    "name",
    "company_id",
    "partner_id",
    "contact_id",
    "scenario_id",
    "level_id",
    "date",
    "payment_deadline",
    "line_ids",
    "fee_amount",
    "channel_summary",
)
EDITABLE_STATES = ("draft", "to_validate")


class CreditNotice(models.Model):
    """What one dunning step produced for one customer: the invoices it
    lists, the channels it went through and what came of it."""

    _name = "credit.notice"
    _description = "Dunning Notice"
    # The concerns of a notice, one file each: sending, email delivery, letter.
    _inherit = [
        "credit.notice.sending",
        "credit.notice.delivery",
        "credit.notice.letter",
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True

    def _default_user_id(self):
        """The user creating a notice by hand signs it, unless OdooBot."""
        return self.env.user.filtered(lambda user: user._credit_is_person())

    name = fields.Char(readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=True,
        precompute=True,
        help="The currency of the notice's invoices: one notice per customer "
        "and currency, so that each letter states its amounts in one currency.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        readonly=True,
        help="The customer's invoicing contact, who receives the reminder.",
    )
    recipient_ids = fields.Many2many(
        "res.partner",
        string="Email Recipients",
        compute="_compute_recipient_ids",
        help="Who the notice's email goes to: the customer's billing contacts "
        "(invoice addresses with an email), else the customer.",
    )
    cc_partner_ids = fields.Many2many(
        "res.partner",
        string="In Copy",
        compute="_compute_cc_partner_ids",
        groups="base.group_user",
        help="Who of the company is in copy of the notice's email, as its "
        "level says: its collector, the customer's account manager, the "
        "salespersons of its invoices.",
    )
    # Internal collection data: the customer reads its notices (portal), not
    # how it is handled (scenario, collector, channels, priority).
    scenario_id = fields.Many2one(
        "credit.dunning.scenario", readonly=True, groups="base.group_user"
    )
    level_id = fields.Many2one(
        "credit.dunning.level", required=True, readonly=True, index=True
    )
    is_formal_notice = fields.Boolean(related="level_id.is_formal_notice", store=True)
    date = fields.Date(required=True, readonly=True, index=True)
    payment_deadline = fields.Date(
        compute="_compute_payment_deadline", store=True, readonly=False
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_validate", "To Validate"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
            ("paid", "Paid"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many("credit.notice.line", "notice_id", string="Invoices")
    amount_residual = fields.Monetary(
        string="Amount Due", compute="_compute_amounts", store=True
    )
    amount_overdue = fields.Monetary(compute="_compute_amounts", store=True)
    fee_amount = fields.Monetary(string="Fee", readonly=True)
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True
    )
    max_days_overdue = fields.Integer(
        string="Days Overdue", compute="_compute_amounts", store=True
    )
    priority_score = fields.Float(
        compute="_compute_amounts",
        store=True,
        help="Amount overdue times days overdue: the worklist starts with the "
        "largest and oldest debts.",
        groups="base.group_user",
    )
    sent_date = fields.Datetime(readonly=True, copy=False)
    date_closed = fields.Date(
        readonly=True,
        copy=False,
        help="Day the notice was paid or cancelled: its reminder link expires "
        "some days later (Accounting settings).",
    )
    channel_summary = fields.Char(
        string="Channels", readonly=True, copy=False, groups="base.group_user"
    )
    letter_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Letter",
        readonly=True,
        copy=False,
        help="The PDF letter of this notice, stored when it went out. Only the "
        "engine binds it (never found by file name); a Credit Manager may "
        "regenerate it, which is logged.",
    )
    letter_to_print = fields.Boolean(readonly=True, copy=False)
    letter_printed_date = fields.Date(readonly=True, copy=False)
    registered_letter_number = fields.Char(
        help="Number of the registered letter (lettre recommandée) that "
        "carried this notice.",
    )
    failure_reason = fields.Text(readonly=True, copy=False, groups="base.group_user")
    email_state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("bounced", "Bounced"),
            ("failed", "Failed"),
        ],
        string="Email",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_user",
        help="What became of the reminder email: queued until the mail "
        "server accepted it (sent) or refused it (failed, retried by the "
        "engine), bounced when the recipient's server returned it.",
    )
    email_message_id = fields.Many2one(
        "mail.message",
        string="Reminder Email",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_user",
        help="The message of the reminder email: its outgoing email gives "
        "the delivery state, bounces and replies refer to it.",
    )
    email_retry_count = fields.Integer(
        string="Email Retries", readonly=True, copy=False, groups="base.group_user"
    )
    reply_state = fields.Selection(
        [("to_handle", "To Handle"), ("handled", "Handled")],
        string="Customer Reply",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_user",
        help="The customer answered the reminder: its automatic steps wait "
        "until a controller marks the reply handled.",
    )
    email_pending = fields.Boolean(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The daily run decided this email; the email job renders and "
        "queues it right after, in batches.",
    )
    letter_pending = fields.Boolean(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The daily run sent this letter to print; the email job renders "
        "and stores its PDF right after, in batches.",
    )
    previous_notice_ids = fields.Many2many(
        "credit.notice",
        string="Earlier Notices",
        compute="_compute_previous_notices",
        help="The notices sent before this one for its invoices: the proof "
        "trail its letter lists.",
    )
    previous_reminder_count = fields.Integer(
        string="Earlier Reminders",
        compute="_compute_previous_notices",
        help="Reminders sent before this one for its invoices (courtesy "
        "reminders before the due date not counted): a letter says 'despite "
        "our previous reminders' only when there were some.",
    )
    previous_formal_notice_id = fields.Many2one(
        "credit.notice",
        string="Earlier Formal Notice",
        compute="_compute_previous_notices",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        readonly=True,
        domain="[('share', '=', False), ('id', '!=', 1)]",
        default=lambda self: self._default_user_id(),
        help="Signs the letter and makes the calls: the customer's collector, "
        "else its salesperson, else the company's collections user.",
        groups="base.group_user",
    )
    debtor_type = fields.Selection(
        [("business", "Business"), ("consumer", "Consumer")],
        compute="_compute_debtor_type",
        help="Business customers owe the fixed recovery indemnity and the "
        "late-payment penalties of the Code de commerce.",
    )
    send_blocked_reason = fields.Text(
        string="Waiting For",
        compute="_compute_send_blocked_reason",
        help="Why this notice cannot be sent or printed yet: it waits in To "
        "Validate until this is fixed.",
    )

    _name_company_unique = Constraint(
        "unique(name, company_id)",
        "A notice number must be unique per company.",
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------

    @api.depends("company_id")
    def _compute_currency_id(self):
        for notice in self:
            notice.currency_id = notice.currency_id or notice.company_id.currency_id

    @api.depends("date", "company_id")
    def _compute_payment_deadline(self):
        for notice in self:
            notice.payment_deadline = self._credit_payment_deadline(
                notice.date, notice.company_id
            )

    @api.depends(
        "line_ids.amount_residual",
        "line_ids.days_overdue",
        "line_ids.amount_residual_company",
        "fee_amount",
    )
    def _compute_amounts(self):
        for notice in self:
            notice.update(
                notice_totals(
                    [
                        (
                            line.amount_residual,
                            line.days_overdue,
                            line.amount_residual_company,
                        )
                        for line in notice.line_ids
                    ],
                    notice.fee_amount,
                    notice.currency_id.round,
                )
            )

    @api.depends(
        "partner_id.commercial_partner_id.child_ids.email",
        "partner_id.commercial_partner_id.child_ids.type",
        "partner_id.commercial_partner_id.child_ids.message_bounce",
        "partner_id.commercial_partner_id.email",
        "partner_id.commercial_partner_id.message_bounce",
    )
    def _compute_recipient_ids(self):
        for notice in self:
            notice.recipient_ids = (
                notice.partner_id and notice.partner_id._credit_email_recipients()
            )

    @api.depends(
        "level_id.cc_collector",
        "level_id.cc_account_manager",
        "level_id.cc_salesperson",
        "user_id",
        "partner_id.commercial_partner_id.user_id",
        "partner_id.commercial_partner_id.credit_collector_id",
        "line_ids.move_id.invoice_user_id",
    )
    def _compute_cc_partner_ids(self):
        for notice in self:
            notice.cc_partner_ids = (
                notice.level_id._credit_cc_partners(
                    notice.partner_id, notice._credit_signer(), notice.line_ids.move_id
                )
                if notice.level_id and notice.partner_id
                else False
            )

    @api.depends("partner_id.commercial_partner_id")
    def _compute_debtor_type(self):
        for notice in self:
            notice.debtor_type = (
                notice.partner_id and notice.partner_id._credit_get_debtor_type()
            )

    @api.depends(
        "state",
        "user_id",
        "level_id",
        "scenario_id",
        "date",
        "partner_id",
        "line_ids.date_due",
    )
    def _compute_send_blocked_reason(self):
        reasons = self._credit_send_blocked_reasons()
        for notice in self:
            notice.send_blocked_reason = "\n".join(reasons.get(notice.id, [])) or False

    @api.depends("line_ids.move_id", "date")
    def _compute_previous_notices(self):
        # One read for all the notices (a batch of letters or emails). As
        # superuser: a portal reader may see its own letters, not the lines.
        lines = (
            self.env["credit.notice.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", self.line_ids.move_id.ids),
                    ("notice_id.state", "in", ("sent", "paid")),
                ],
                ["move_id", "notice_id"],
            )
        )
        notices_by_move = defaultdict(set)
        for line in lines:
            notices_by_move[line.move_id.id].add(line.notice_id.id)
        for notice in self:
            ids = set()
            for move in notice.line_ids.move_id:
                ids |= notices_by_move[move.id]
            earlier = (
                self.browse(ids)
                .filtered(lambda other, notice=notice: other._credit_is_before(notice))
                .sorted(lambda other: (other.date, other.id))
            )
            notice.previous_notice_ids = earlier
            notice.previous_reminder_count = len(
                earlier.filtered(lambda other: other.level_id.letter_type != "courtesy")
            )
            notice.previous_formal_notice_id = earlier.filtered("is_formal_notice")[:1]

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for notice in self:
            notice.access_url = f"/my/credit/notices/{notice.id}"
        return result

    # ------------------------------------------------------------------
    # Constraint methods
    # ------------------------------------------------------------------

    @api.constrains("user_id")
    def _check_user_id(self):
        for notice in self:
            if notice.user_id and not notice.user_id._credit_is_person():
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot sign notice %(notice)s: the collector is "
                        "an active internal user.",
                        user=notice.user_id.name,
                        notice=notice.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD methods
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS, initial={"state": "draft"})
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(vals.get("company_id") or self.env.company.id)
                    .next_by_code("credit.notice")
                    or "/"
                )
        notices = super().create(vals_list)
        notices.partner_id._credit_assign_customer_numbers()
        return notices

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        if any(notice.state not in EDITABLE_STATES for notice in self):
            check_engine_fields(self, vals, ISSUED_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------------

    def action_validate(self):
        """Validate and send the notices waiting for a controller."""
        self.check_access("write")
        if any(notice.state != "to_validate" for notice in self):
            raise UserError(self.env._("Only notices to validate can be validated."))
        self._credit_check_can_send()
        self._credit_execute()
        return True

    def action_cancel(self):
        self.check_access("write")
        if any(notice.state in ("sent", "paid") for notice in self):
            raise UserError(self.env._("A notice that went out cannot be cancelled."))
        self.sudo().write(
            {"state": "cancelled", "date_closed": fields.Date.context_today(self)}
        )
        return True

    def action_credit_escalate(self):
        """Open the choice of a later level for this notice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Escalate to Level"),
            "res_model": "credit.notice.escalate",
            "view_mode": "form",
            "target": "new",
            "context": {"default_notice_id": self.id},
        }

    def action_retry(self):
        self.check_access("write")
        if any(notice.state != "failed" for notice in self):
            raise UserError(self.env._("Only failed notices can be sent again."))
        self._credit_check_can_send()
        self._credit_execute()
        return True

    def action_credit_reply_handled(self):
        """A controller has answered the customer's reply: its automatic
        steps resume and the reply's activity is done."""
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can mark a reply handled.")
            )
        self.check_access("write")
        if any(notice.reply_state != "to_handle" for notice in self):
            raise UserError(self.env._("Only a reply to handle can be marked handled."))
        self.sudo().reply_state = "handled"
        self.activity_feedback(
            ["mail.mail_activity_data_todo"],
            feedback=self.env._("Reply handled by %(user)s", user=self.env.user.name),
        )
        return True

    def action_print_letters(self):
        """All the selected letters as one PDF, one letter per page set; the
        letters are then marked as printed."""
        self.filtered("letter_to_print").write(
            {
                "letter_to_print": False,
                "letter_printed_date": fields.Date.context_today(self),
            }
        )
        return self.env.ref(
            "credit_collection.action_report_credit_notice"
        ).report_action(self)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _credit_payment_deadline(self, date, company):
        return date and date + timedelta(days=company.credit_payment_deadline_days)

    def _credit_check_lines_editable(self):
        """The invoices of a notice that went out are what it said: fixed,
        except for the engine (superuser mode)."""
        if engine_allowed(self.env):
            return
        if any(notice.sudo().state not in EDITABLE_STATES for notice in self):
            raise AccessError(
                self.env._("The invoices of a notice that went out cannot be changed.")
            )

    def _credit_is_before(self, notice):
        """Whether this notice came before ``notice`` (by date, then number)."""
        self.ensure_one()
        if self.id == notice.id or not notice.date:
            return False
        return (self.date, self.id) < (notice.date, notice._origin.id or float("inf"))

    def _credit_portal_sent_sentence(self):
        """The portal's line on a reminder, one sentence to translate whole
        (the words around the date and names differ in each language)."""
        self.ensure_one()
        return self.env._(
            "Sent on %(date)s to %(partner)s by %(company)s.",
            date=format_date(self.env, self.date),
            partner=self.partner_id.name,
            company=self.company_id.name,
        )

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Notice %(name)s", name=self.name)
