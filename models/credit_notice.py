import base64
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_date

from ..compat import Constraint, notify_cron_progress, partner_phone_numbers
from ..tools import late_interest
from ..tools.notice_totals import notice_totals
from ..tools.receivable import SETTLED_PAYMENT_STATES
from ..tools.retry import run_retrying
from .credit_engine import EMAIL_LAYOUT, check_engine_fields, engine_allowed

_logger = logging.getLogger(__name__)

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
# Times the engine queues a failed email again before the notice fails
# (system parameter credit_collection.email_max_retries).
EMAIL_MAX_RETRIES = 2
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
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
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
        "level says: its collector, the customer's salesperson, or both.",
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

    @api.model
    def _credit_payment_deadline(self, date, company):
        return date and date + timedelta(days=company.credit_payment_deadline_days)

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
        "level_id.email_cc",
        "user_id",
        "partner_id.commercial_partner_id.user_id",
        "partner_id.commercial_partner_id.credit_collector_id",
    )
    def _compute_cc_partner_ids(self):
        for notice in self:
            notice.cc_partner_ids = (
                notice.level_id._credit_cc_partners(
                    notice.partner_id, notice._credit_signer()
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

    def _credit_claim(self):
        """What this notice claims (rows, interest, indemnity, fee, total
        due), from the letter's one computation: the email and the letter
        state the same total. A missing reference rate raises, as for the
        letter."""
        self.ensure_one()
        return self.env[
            "report.credit_collection.report_credit_notice"
        ]._letter_amounts(self)

    def _credit_is_before(self, notice):
        """Whether this notice came before ``notice`` (by date, then number)."""
        self.ensure_one()
        if self.id == notice.id or not notice.date:
            return False
        return (self.date, self.id) < (notice.date, notice._origin.id or float("inf"))

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for notice in self:
            notice.access_url = f"/my/credit/notices/{notice.id}"
        return result

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

    def _credit_check_lines_editable(self):
        """The invoices of a notice that went out are what it said: fixed,
        except for the engine (superuser mode)."""
        if engine_allowed(self.env):
            return
        if any(notice.sudo().state not in EDITABLE_STATES for notice in self):
            raise AccessError(
                self.env._("The invoices of a notice that went out cannot be changed.")
            )

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Notice %(name)s", name=self.name)

    # ------------------------------------------------------------------
    # Actions
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

    def _credit_escalate_to(self, level, reason):
        """Send this notice at ``level``, a later level of its scenario, by a
        controller's explicit choice: the engine itself never skips a step.
        A hand-off still needs a formal notice sent for every invoice. The
        notice then waits for validation; the choice is in its chatter."""
        self.ensure_one()
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can escalate a notice.")
            )
        if self.state not in ("draft", "to_validate", "failed"):
            raise UserError(
                self.env._("Only a notice that has not gone out can be escalated.")
            )
        if (
            level.scenario_id != self.scenario_id
            or level.days_offset <= self.level_id.days_offset
        ):
            raise UserError(
                self.env._(
                    "Choose a later level of the scenario %(scenario)s.",
                    scenario=self.scenario_id.display_name,
                )
            )
        if level.escalation_stage and not level.is_formal_notice:
            missing = self.line_ids.move_id.filtered(
                lambda move: not move.credit_formal_notice_date
            )
            if missing:
                raise UserError(
                    self.env._(
                        "%(level)s hands the file over: send a formal notice "
                        "first, none was sent for %(invoices)s.",
                        level=level.name,
                        invoices=", ".join(missing.mapped("name")),
                    )
                )
        previous = self.level_id
        # The engine's own write, once the controller's choice is checked.
        self.sudo().write(
            {
                "level_id": level.id,
                "fee_amount": level._credit_fee(
                    self.currency_id, self.company_id, self.date
                ),
                "state": "to_validate",
                "failure_reason": False,
            }
        )
        # The engine's bookkeeping: the invoices have now been through it.
        self.line_ids.move_id.sudo().write({"credit_level_id": level.id})
        partner = self.partner_id.with_company(self.company_id).sudo()
        if (
            not partner.credit_level_id
            or partner.credit_level_id.days_offset < level.days_offset
        ):
            partner.credit_level_id = level
        self.message_post(
            body=self.env._(
                "Escalated from %(previous)s to %(level)s by %(user)s: %(reason)s",
                previous=previous.display_name,
                level=level.display_name,
                user=self.env.user.name,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )

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
    # What a notice needs before it goes out
    # ------------------------------------------------------------------

    def _credit_signer(self):
        """The notice's collector, else the one its customer has now (the
        collections user may have been set since the run)."""
        self.ensure_one()
        return self.user_id or self.partner_id.with_company(
            self.company_id
        )._credit_collector(self.level_id.activity_user_id)

    def _credit_no_signer_message(self):
        return self.env._(
            "No collector signs the letter or makes the call: set a collector or "
            "a salesperson on %(partner)s, or the collections user in "
            "Accounting > Configuration > Settings > Credit & Collections.",
            partner=self.partner_id.display_name,
        )

    def _credit_send_blocked_reasons(self):
        """{notice id: [reason]} for the open notices that cannot go out: a
        letter or a call without a person to sign or make it, or a
        reference rate missing for the interest the scenario claims (the
        letter would state a wrong amount). Computed for the whole batch."""
        reasons = defaultdict(list)
        notices = self.filtered(
            lambda notice: notice.state in ("draft", "to_validate", "failed")
        )
        for notice in notices:
            level = notice.level_id
            needs_person = (
                level.print_letter or level.attach_letter or level.create_activity
            )
            if needs_person and not notice._credit_signer():
                reasons[notice.id].append(notice._credit_no_signer_message())
        rates = self.env["credit.interest.rate"]
        for notice, (rate_type, period) in notices._credit_missing_rates().items():
            reasons[notice.id].append(rates._missing_rate_message(rate_type, period))
        return reasons

    def _credit_missing_rates(self):
        """{notice: (rate type, half-year start)}: the first reference rate
        the notice's letter needs and nobody entered, for the late interest
        of its invoices up to its date or for the penalty rate its legal
        mentions state (the rate of the letter's own half-year)."""
        claiming = self.filtered(
            lambda notice: notice.scenario_id.interest_policy
            and notice.scenario_id.interest_policy != "none"
        )
        if not claiming:
            return {}
        charged = self.env["credit.interest.charge"]._credit_get_previous(
            claiming.line_ids.move_id
        )
        tables = {}
        missing = {}
        day = timedelta(days=1)
        for notice in claiming:
            scenario = notice.scenario_id
            debtor_type = notice.partner_id._credit_get_debtor_type()
            rate_type, runs_from = late_interest.reference_rate_type(
                scenario.interest_policy, scenario.interest_jurisdiction, debtor_type
            )
            if not rate_type:
                continue
            # Interest accrues on the days after each start.
            starts = []
            if (
                scenario.interest_policy == "statutory"
                and debtor_type == late_interest.BUSINESS
            ):
                starts.append(notice.date - day)
            for line in notice.line_ids:
                move = line.move_id
                if move.move_type != "out_invoice" or not line.date_due:
                    continue
                start = late_interest.interest_start_date(
                    line.date_due,
                    runs_from,
                    move.credit_formal_notice_date,
                    charged.get(move.id, (False, False))[0],
                )
                if start is not None and start < notice.date:
                    starts.append(start)
            if not starts:
                continue
            company = notice.company_id
            if company not in tables:
                tables[company] = self.env["credit.interest.rate"]._get_rate_table(
                    company
                )
            period = tables[company].first_missing(
                rate_type, min(starts) + day, notice.date
            )
            if period:
                missing[notice] = (rate_type, period)
        return missing

    def _credit_check_can_send(self):
        """Stop, changing nothing, when a notice still lacks what it needs;
        else give the notices without collector the one their customer has
        now."""
        reasons = self._credit_send_blocked_reasons()
        if reasons:
            raise UserError(
                "\n".join(
                    f"{notice.name}: {reason}"
                    for notice in self
                    for reason in reasons.get(notice.id, [])
                )
            )
        for notice in self.filtered(lambda notice: not notice.user_id):
            notice.user_id = notice._credit_signer()

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _credit_execute(self):
        """Run the channels of the notices' levels, level by level and in
        batch: emails rendered together and queued (the mail queue sends
        them), call tasks and SMS created, consequences applied. When one
        notice cannot go out (no email address...), the others still do: the
        batch is retried notice by notice and only the faulty one fails."""
        self._credit_per_level("_credit_send")
        # Letters to print are stored as sent (emailed letters already are).
        # In the daily run a PDF takes a second or more: the email job
        # renders them after the run, as it does the emails.
        letters = self.filtered(
            lambda notice: notice.state == "sent" and notice.letter_to_print
        )
        if self.env.context.get("credit_defer_email"):
            letters.letter_pending = True
        else:
            letters._credit_attach_letter()

    def _credit_per_level(self, method):
        """Call ``method(level)`` on the notices of each level, in batch; if
        the batch fails (a customer without email...), retry notice by
        notice so that only the faulty ones are marked failed."""
        for level in self.level_id:
            notices = self.filtered(lambda notice, lvl=level: notice.level_id == lvl)
            try:
                with self.env.cr.savepoint():
                    getattr(notices, method)(level)
            except UserError:
                for notice in notices:
                    try:
                        with self.env.cr.savepoint():
                            getattr(notice, method)(level)
                    except UserError as error:
                        notice._credit_mark_failed(str(error))

    def _credit_mark_failed(self, reason):
        self.ensure_one()
        self.sudo().write({"state": "failed", "failure_reason": reason})
        self.message_post(
            body=self.env._("Sending failed: %(reason)s", reason=reason),
            subtype_xmlid="mail.mt_note",
        )

    def _credit_send(self, level):
        """Send notices that all have ``level``."""
        summaries = {notice.id: [] for notice in self}
        defer_email = self.env.context.get("credit_defer_email")
        emailed = self.browse()
        if level.send_email:
            # A customer whose every address bounces is called instead.
            bouncing = self.filtered(lambda notice: notice.contact_id.message_bounce)
            emailed = self - bouncing
            emailed._credit_check_email(level)
            if emailed and not defer_email:
                emailed._credit_send_emails(level)
            for notice in emailed:
                summaries[notice.id].append(self.env._("email queued"))
            for notice in bouncing:
                if not level.create_activity:
                    notice._credit_schedule_call()
                summaries[notice.id].append(
                    self.env._("call task (email address bounces)")
                )
        if level.print_letter:
            for notice in self:
                summaries[notice.id].append(self.env._("letter to print"))
        if level.create_activity:
            for notice in self:
                notice._credit_schedule_call()
                summaries[notice.id].append(self.env._("call task"))
        if level.send_sms:
            for notice in self:
                summaries[notice.id].append(notice._credit_send_sms())
        self._credit_apply_consequences(level)
        now = fields.Datetime.now()
        by_summary = defaultdict(lambda: self.browse())
        for notice in self:
            key = (", ".join(summaries[notice.id]), notice in emailed)
            by_summary[key] |= notice
        for (summary, with_email), notices in by_summary.items():
            notices.sudo().write(
                {
                    "state": "sent",
                    "sent_date": now,
                    "channel_summary": summary,
                    "failure_reason": False,
                    "letter_to_print": level.print_letter,
                    "email_pending": bool(with_email and defer_email),
                    "email_state": with_email and "queued",
                    "email_retry_count": 0,
                }
            )

    def _credit_check_email(self, level):
        """A notice that cannot be emailed fails at once, with the reason."""
        if not level.email_template_id:
            raise UserError(
                self.env._(
                    "The level %(level)s sends an email but has no email template.",
                    level=level.display_name,
                )
            )
        for notice in self:
            if not notice.recipient_ids:
                raise UserError(
                    self.env._(
                        "%(partner)s has no email address.",
                        partner=notice.partner_id.display_name,
                    )
                )

    def _credit_send_emails(self, level):
        """Render the level's email for these notices and queue it."""
        # One compilation of the body for the whole batch (see ir_qweb.py).
        template = level.email_template_id.with_context(credit_compile_once=True)
        layout = EMAIL_LAYOUT
        with_attachments = self.browse()
        if level.attach_invoices or level.attach_letter:
            with_attachments = self
        mails = self.env["mail.mail"]
        for notice in with_attachments:
            attachments = notice._credit_email_attachments(level)
            mails |= mails.browse(
                template.send_mail(
                    notice.id,
                    force_send=False,
                    email_layout_xmlid=layout,
                    email_values={
                        "attachment_ids": [(4, att.id) for att in attachments]
                    },
                )
            )
        plain = self - with_attachments
        if plain:
            mails |= template.send_mail_batch(
                plain.ids, force_send=False, email_layout_xmlid=layout
            )
        self._credit_bind_emails(mails)
        self._message_log_batch(
            {
                notice.id: self.env._(
                    "Reminder emailed to %(recipients)s.",
                    recipients=", ".join(
                        f"{partner.display_name} ({partner.email})"
                        for partner in notice.recipient_ids
                    ),
                )
                for notice in self
            }
        )

    def _credit_bind_emails(self, mails):
        """Bind each notice to the message of its new email (delivery state,
        bounces and replies refer to it), one ``UPDATE`` for the batch."""
        rows = [(mail.res_id, mail.mail_message_id.id) for mail in mails]
        if not rows:
            return
        self.flush_recordset(["email_state", "email_message_id"])
        self.env.cr.execute(
            SQL(
                """UPDATE credit_notice AS notice
                      SET email_message_id = bound.message_id,
                          email_state = 'queued'
                     FROM (VALUES %s) AS bound(id, message_id)
                    WHERE notice.id = bound.id""",
                SQL(", ").join(SQL("(%s, %s)", *row) for row in rows),
            )
        )
        self.invalidate_recordset(["email_state", "email_message_id"])

    @api.model
    def _credit_sync_email_states(self, message_ids=None):
        """Give the notices whose email is queued the outcome the mail queue
        wrote on it (``mail.mail`` state and failure reason): sent, or
        failed with the reason. One query for all the notices (or those of
        ``message_ids``, the emails the mail queue just sent)."""
        self.env["mail.mail"].flush_model(["state", "failure_reason"])
        self.flush_model(["email_state", "email_message_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT notice.id, mail.state, mail.failure_reason
                     FROM credit_notice notice
                     JOIN mail_mail mail
                       ON mail.mail_message_id = notice.email_message_id
                    WHERE notice.email_state = 'queued'
                      AND mail.state != 'outgoing'
                      %s""",
                SQL("AND notice.email_message_id IN %s", tuple(message_ids))
                if message_ids
                else SQL(),
            )
        )
        outcomes = defaultdict(list)
        for notice_id, state, reason in rows:
            if state in ("sent", "received"):
                outcomes[("sent", False)].append(notice_id)
            else:
                outcomes[("failed", reason or state)].append(notice_id)
        for (email_state, reason), ids in outcomes.items():
            self.browse(ids).sudo().write(
                {"email_state": email_state, "failure_reason": reason}
            )

    @api.model
    def _credit_follow_up_emails(self):
        """The engine's answer to the emails that did not arrive, for all
        notices at once: a failed email is queued again, at most
        ``credit_collection.email_max_retries`` times, then its notice
        fails (worklist, *Failed*) with the reason; a bounced one goes to
        the customer's next billing contact whose address does not bounce,
        or becomes a call task when none is left."""
        self._credit_sync_email_states()
        max_retries = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("credit_collection.email_max_retries", EMAIL_MAX_RETRIES)
        )
        notices = self.search(
            [("state", "=", "sent"), ("email_state", "in", ("failed", "bounced"))]
        )
        failed = notices.filtered(lambda notice: notice.email_state == "failed")
        retried = failed.filtered(lambda notice: notice.email_retry_count < max_retries)
        if retried:
            self.env["mail.mail"].sudo().search(
                [("mail_message_id", "in", retried.email_message_id.ids)]
            ).mark_outgoing()
            for count in set(retried.mapped("email_retry_count")):
                retried.filtered(
                    lambda notice, count=count: notice.email_retry_count == count
                ).sudo().write(
                    {"email_state": "queued", "email_retry_count": count + 1}
                )
        for notice in failed - retried:
            reason = self.env._(
                "The email to %(email)s failed %(count)s times: %(reason)s",
                email=notice.contact_id.email,
                count=notice.email_retry_count + 1,
                reason=notice.failure_reason,
            )
            notice._credit_mark_failed(reason)
        (notices - failed)._credit_reroute_bounced()

    def _credit_reroute_bounced(self):
        """Send the bounced notices again to the customer's next billing
        contact (``res.partner._credit_contact`` skips bouncing addresses),
        or schedule the call when no address is left."""
        for notice in self:
            contact = notice.partner_id._credit_contact()
            values = {"email_state": False}
            if contact.email and not contact.message_bounce:
                values = {"contact_id": contact.id, "email_state": "queued"}
            notice.sudo().write(values)
            if values["email_state"]:
                notice._credit_per_level("_credit_send_emails")
                continue
            try:
                with self.env.cr.savepoint():
                    notice._credit_schedule_call()
            except UserError as error:
                notice._credit_mark_failed(str(error))
                continue
            notice.sudo().channel_summary = ", ".join(
                [
                    notice.channel_summary,
                    self.env._("call task (email address bounces)"),
                ]
            )

    def _message_receive_bounce(self, email, partner):
        """The reminder email came back: the notice says so (Odoo counts the
        bounce on the contact, ``message_bounce``), and the email job sends
        it to another billing contact or turns it into a call."""
        result = super()._message_receive_bounce(email, partner)
        # A late bounce of an address the notice no longer writes to is
        # only counted on that contact.
        for notice in self.filtered(
            lambda notice: notice.email_state
            and notice.contact_id.email_normalized == email
        ):
            notice.sudo().write(
                {
                    "email_state": "bounced",
                    "failure_reason": self.env._(
                        "The email to %(email)s bounced.", email=email
                    ),
                }
            )
            notice.message_post(
                body=self.env._(
                    "The reminder email to %(email)s bounced.", email=email
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _message_post_after_hook(self, message, msg_vals):
        """A person's reply to the reminder (through the mail gateway) is
        copied to the customer's chatter and pauses the customer's
        automatic steps until a controller marks it handled; an automatic
        reply (out of office...) stays on the notice only."""
        result = super()._message_post_after_hook(message, msg_vals)
        automatic = self.env.context.get("credit_automatic_reply")
        if (
            automatic is not False
            or message.message_type != "email"
            or message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            return result  # not a customer's own reply through the gateway
        self.sudo().reply_state = "to_handle"
        customer = self.partner_id.sudo()
        customer.message_post(
            body=Markup("%s<br/>%s")
            % (
                self.env._(
                    "Reply to the reminder %(notice)s from %(author)s: the "
                    "customer's automatic steps wait until the reply is handled.",
                    notice=self.name,
                    author=message.email_from,
                ),
                message.body,
            ),
            subtype_xmlid="mail.mt_note",
        )
        user = self._credit_signer()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._(
                "Answer the reply of %(partner)s", partner=self.partner_id.display_name
            ),
            **({"user_id": user.id} if user else {}),
        )
        return result

    def _credit_email_attachments(self, level):
        """The letter and, if the level says so, the invoices, as PDFs."""
        self.ensure_one()
        attachments = self.env["ir.attachment"]
        if level.attach_letter:
            attachments |= self._credit_letter_attachment()
        if level.attach_invoices:
            attachments |= self._credit_invoice_attachments()
        return attachments

    def _credit_letter_attachment(self):
        """The notice's letter as a PDF attached to the notice, rendered once."""
        self.ensure_one()
        if not self.letter_attachment_id:
            content, _report_type = self.env["ir.actions.report"]._render(
                "credit_collection.action_report_credit_notice", self.ids
            )
            self._credit_store_letters({self.id: content})
        return self.letter_attachment_id

    def _credit_store_letters(self, contents):
        """Store ``{notice id: PDF bytes}`` as the letters of these notices and
        bind them (``letter_attachment_id``): the engine's one way to write a
        letter. Returns the attachments."""
        notices = self.browse(list(contents)).sudo()
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": f"Notice - {notice.name}.pdf",
                        "raw": contents[notice.id],
                        "res_model": self._name,
                        "res_id": notice.id,
                        "mimetype": "application/pdf",
                    }
                    for notice in notices
                ]
            )
        )
        for notice, attachment in zip(notices, attachments, strict=True):
            notice.letter_attachment_id = attachment
        return attachments

    def action_credit_regenerate_letter(self):
        """A Credit Manager renders the letter again from the notice as it
        stands and binds the new PDF; the previous one stays attached and
        the regeneration is in the chatter."""
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise AccessError(
                self.env._("Only a Credit Manager can regenerate a letter.")
            )
        self.check_access("write")
        if any(notice.state not in ("sent", "paid") for notice in self):
            raise UserError(
                self.env._("Only the letter of a notice that went out is stored.")
            )
        report = self.env.ref("credit_collection.action_report_credit_notice")
        contents = {}
        for notice in self:
            content, report_type = (
                self.env["ir.actions.report"]
                .with_context(report_pdf_no_attachment=True)
                ._render_qweb_pdf(report, notice.ids)
            )
            if report_type != "pdf":
                raise UserError(self.env._("No PDF engine to render the letter."))
            contents[notice.id] = content
        previous = {notice.id: notice.letter_attachment_id for notice in self}
        self._credit_store_letters(contents)
        for notice in self:
            notice.message_post(
                body=self.env._(
                    "Letter regenerated by %(user)s (previous letter: %(previous)s).",
                    user=self.env.user.name,
                    previous=previous[notice.id].name or self.env._("none"),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _credit_invoice_attachments(self):
        """The invoice PDFs, rendered once and then reused by Odoo."""
        attachments = self.env["ir.attachment"]
        for move in self.line_ids.move_id:
            content, _report_type = self.env["ir.actions.report"]._render(
                "account.account_invoices", move.ids
            )
            attachments |= self.env["ir.attachment"].create(
                {
                    "name": f"{move._get_report_base_filename()}.pdf",
                    "datas": base64.b64encode(content),
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        return attachments

    def _credit_schedule_call(self):
        level = self.level_id
        user = self._credit_signer()
        if not user:
            raise UserError(self._credit_no_signer_message())
        self.activity_schedule(
            activity_type_id=level.activity_type_id.id
            or self.env.ref("mail.mail_activity_data_call").id,
            date_deadline=self.date,
            summary=self.env._(
                "Call %(partner)s: %(amount)s overdue",
                partner=self.partner_id.display_name,
                amount=self.currency_id.format(self.amount_overdue),
            ),
            user_id=user.id,
        )

    def _credit_send_sms(self):
        """SMS through Odoo's ``sms`` addon when it is installed."""
        if not hasattr(self, "_message_sms"):
            return self.env._("SMS unavailable (SMS addon not installed)")
        number = next(iter(partner_phone_numbers(self.contact_id)), False)
        if not number:
            return self.env._("SMS skipped (no phone number)")
        body = (self.level_id.sms_body or "").format(
            partner=self.partner_id.name,
            amount=self.currency_id.format(self.amount_total),
            days=self.max_days_overdue,
            company=self.company_id.name,
        )
        self._message_sms(body, partner_ids=self.contact_id.ids)
        return self.env._("SMS queued")

    def _credit_apply_consequences(self, level):
        """What reaching ``level`` does to the invoices and the customers."""
        if level.is_formal_notice:
            for notice in self:
                notice.line_ids.move_id.filtered(
                    lambda move: not move.credit_formal_notice_date
                ).sudo().credit_formal_notice_date = notice.date
        if level.set_credit_hold:
            for notice in self:
                notice.partner_id.with_company(notice.company_id)._credit_set_hold(
                    self.env._(
                        "Notice %(name)s: %(level)s", name=notice.name, level=level.name
                    )
                )
        if level.escalation_stage:
            stage_label = dict(
                level._fields["escalation_stage"]._description_selection(self.env)
            )[level.escalation_stage]
            for notice in self:
                # The controller validated the step; its consequence on the
                # customer is the engine's, whatever the controller's rights.
                partner = notice.partner_id.with_company(notice.company_id).sudo()
                if partner.credit_escalation_stage == level.escalation_stage:
                    continue
                partner.credit_escalation_stage = level.escalation_stage
                partner.message_post(
                    body=self.env._(
                        "Escalated to %(stage)s by notice %(notice)s.",
                        stage=stage_label,
                        notice=notice.name,
                    )
                )

    @api.model
    def _cron_send_pending_emails(self, batch_size=200, letter_batch_size=20):
        """Render and queue the emails the daily run decided, then store the
        letters it sent to print, one batch per call: rendering is the costly
        part of a reminder, so it runs apart from the run's decisions and
        commits its own progress. Returns the number of documents still to
        render."""
        pending = self.search([("email_pending", "=", True)], limit=batch_size)
        done = pending._credit_send_pending_emails()
        if not pending:
            run_retrying(self.env, self._credit_follow_up_emails, "Email outcomes")
            letters = self.search(
                [("letter_pending", "=", True)], limit=letter_batch_size
            )

            def store_letters():
                # A letter that cannot be rendered is noted on its notice
                # and not tried again by this job (printing it will).
                letters._credit_attach_letter()
                letters.letter_pending = False
                return len(letters)

            done, _retries = run_retrying(self.env, store_letters, "Notice letters")
            done = done or 0
        remaining = self.search_count(
            ["|", ("email_pending", "=", True), ("letter_pending", "=", True)]
        )
        notify_cron_progress(self.env, done, remaining)
        return remaining

    def _credit_send_pending_emails(self):
        """Queue these notices' emails, retried on a concurrent edit
        (tools/retry.py); a batch that still fails is sent notice by notice,
        and a notice still refused stays pending for the next call. Returns
        the number of notices done."""

        def send(notices):
            notices._credit_per_level("_credit_send_emails")
            notices.email_pending = False
            return len(notices)

        if not self:
            return 0
        done, _retries = run_retrying(self.env, lambda: send(self), "Notice emails")
        if done is not None:
            return done
        done = 0
        for notice in self:
            try:
                with self.env.cr.savepoint():
                    done += send(notice)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                _logger.warning("Notice %s: email left for the next call", notice.name)
        return done

    # ------------------------------------------------------------------
    # Settlement
    # ------------------------------------------------------------------

    def _credit_mark_paid_if_settled(self):
        """Notices whose invoices are all paid become paid; the scenario's
        thank-you email goes out if it has one."""
        for notice in self.filtered(lambda n: n.state in ("to_validate", "sent")):
            moves = notice.line_ids.move_id
            if all(move.payment_state in SETTLED_PAYMENT_STATES for move in moves):
                notice.sudo().write(
                    {"state": "paid", "date_closed": fields.Date.context_today(notice)}
                )
                template = notice.scenario_id.thank_you_template_id
                if template and notice.recipient_ids:
                    template.send_mail(
                        notice.id, force_send=False, email_layout_xmlid=EMAIL_LAYOUT
                    )

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------

    def _credit_attach_letter(self):
        """Store the PDF letter of the notices that went out and bind it on
        them (the report stores what it renders for a sent notice without
        letter, see ir_actions_report.py); later prints reuse it, so the
        letter on file is the one that was sent. A rendering error is noted
        on the notices and never undoes the sending."""
        notices = self.filtered(
            lambda notice: notice.state in ("sent", "paid")
            and not notice.letter_attachment_id
        )
        if not notices:
            return
        report = self.env.ref("credit_collection.action_report_credit_notice")
        try:
            with self.env.cr.savepoint():
                _content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
                    report, notices.ids
                )
        except Exception as error:  # any engine failure
            # The savepoint undid the rendering only: the sending stands and
            # the controller sees on the notice why its letter is missing.
            for notice in notices:
                notice.message_post(
                    body=self.env._(
                        "The letter could not be stored: %(reason)s", reason=str(error)
                    )
                )
            return
        if report_type != "pdf":
            return  # no PDF engine (test mode): nothing to store
