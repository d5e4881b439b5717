import base64
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

OPEN_STATES = ("draft", "to_validate", "sent", "failed")


class CreditNotice(models.Model):
    """What one dunning step produced for one customer: the invoices it
    lists, the channels it went through and what came of it."""

    _name = "credit.notice"
    _description = "Dunning Notice"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
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
    currency_id = fields.Many2one(related="company_id.currency_id")
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
    scenario_id = fields.Many2one("credit.dunning.scenario", readonly=True)
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
    )
    sent_date = fields.Datetime(readonly=True, copy=False)
    channel_summary = fields.Char(string="Channels", readonly=True, copy=False)
    letter_attachment_id = fields.Many2one("ir.attachment", readonly=True, copy=False)
    letter_to_print = fields.Boolean(readonly=True, copy=False)
    letter_printed_date = fields.Date(readonly=True, copy=False)
    registered_letter_number = fields.Char(
        help="Number of the registered letter (lettre recommandée) that "
        "carried this notice.",
    )
    failure_reason = fields.Text(readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        readonly=True,
        default=lambda self: self.env.user,
    )

    _sql_constraints = [
        (
            "name_company_unique",
            "unique(name, company_id)",
            "A notice number must be unique per company.",
        ),
    ]

    @api.depends("date", "company_id")
    def _compute_payment_deadline(self):
        for notice in self:
            days = notice.company_id.credit_payment_deadline_days
            notice.payment_deadline = notice.date and notice.date + timedelta(days=days)

    @api.depends("line_ids.amount_residual", "line_ids.days_overdue", "fee_amount")
    def _compute_amounts(self):
        for notice in self:
            lines = notice.line_ids
            overdue_lines = lines.filtered(lambda line: line.days_overdue > 0)
            notice.amount_residual = sum(lines.mapped("amount_residual"))
            notice.amount_overdue = sum(overdue_lines.mapped("amount_residual"))
            notice.amount_total = notice.amount_residual + notice.fee_amount
            notice.max_days_overdue = max(lines.mapped("days_overdue"), default=0)
            notice.priority_score = notice.amount_overdue * max(
                notice.max_days_overdue, 0
            )

    def _compute_access_url(self):
        super()._compute_access_url()
        for notice in self:
            notice.access_url = f"/my/credit/notices/{notice.id}"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(vals.get("company_id") or self.env.company.id)
                    .next_by_code("credit.notice")
                    or "/"
                )
        return super().create(vals_list)

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Notice %(name)s", name=self.name)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_validate(self):
        """Validate and send the notices waiting for a controller."""
        if any(notice.state != "to_validate" for notice in self):
            raise UserError(self.env._("Only notices to validate can be validated."))
        self._credit_execute()
        return True

    def action_cancel(self):
        if any(notice.state in ("sent", "paid") for notice in self):
            raise UserError(self.env._("A notice that went out cannot be cancelled."))
        self.write({"state": "cancelled"})
        return True

    def action_retry(self):
        if any(notice.state != "failed" for notice in self):
            raise UserError(self.env._("Only failed notices can be sent again."))
        self._credit_execute()
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
    # Sending
    # ------------------------------------------------------------------

    def _credit_execute(self):
        """Run the channels of each notice's level. Emails are queued (the
        mail queue sends them), call tasks and SMS created, consequences
        applied. A notice whose channel fails is marked failed, the others go
        on: one bad email address does not stop a run."""
        for notice in self:
            try:
                with self.env.cr.savepoint():
                    notice._credit_send()
            except UserError as error:
                notice.write({"state": "failed", "failure_reason": str(error)})
                notice.message_post(
                    body=self.env._("Sending failed: %(reason)s", reason=str(error))
                )
        self.filtered(lambda notice: notice.state == "sent")._credit_attach_letter()

    def _credit_send(self):
        self.ensure_one()
        level = self.level_id
        done = []
        if level.send_email:
            self._credit_send_email()
            done.append(self.env._("email queued"))
        if level.print_letter:
            self.letter_to_print = True
            done.append(self.env._("letter to print"))
        if level.create_activity:
            self._credit_schedule_call()
            done.append(self.env._("call task"))
        if level.send_sms:
            done.append(self._credit_send_sms())
        self._credit_apply_consequences()
        self.write(
            {
                "state": "sent",
                "sent_date": fields.Datetime.now(),
                "channel_summary": ", ".join(done),
                "failure_reason": False,
            }
        )

    def _credit_send_email(self):
        template = self.level_id.email_template_id
        if not template:
            raise UserError(
                self.env._(
                    "The level %(level)s sends an email but has no email template.",
                    level=self.level_id.display_name,
                )
            )
        if not self.contact_id.email:
            raise UserError(
                self.env._(
                    "%(partner)s has no email address.",
                    partner=self.contact_id.display_name,
                )
            )
        attachments = self.env["ir.attachment"]
        if self.level_id.attach_invoices:
            attachments |= self._credit_invoice_attachments()
        template.send_mail(
            self.id,
            force_send=False,
            email_layout_xmlid="mail.mail_notification_light",
            email_values={"attachment_ids": [(4, att.id) for att in attachments]},
        )
        self.message_post(
            body=self.env._(
                "Reminder emailed to %(recipient)s (%(email)s).",
                recipient=self.contact_id.display_name,
                email=self.contact_id.email,
            ),
            subtype_xmlid="mail.mt_note",
        )

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
        partner = self.partner_id.with_company(self.company_id)
        user = partner._credit_collector(level.activity_user_id)
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
        number = self.contact_id.mobile or self.contact_id.phone
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

    def _credit_apply_consequences(self):
        level = self.level_id
        partner = self.partner_id.with_company(self.company_id)
        if level.is_formal_notice:
            self.line_ids.move_id.filtered(
                lambda move: not move.credit_formal_notice_date
            ).credit_formal_notice_date = self.date
        if level.set_credit_hold and hasattr(partner, "_credit_set_hold"):
            partner._credit_set_hold(
                self.env._("Formal notice %(name)s", name=self.name)
            )
        if level.escalation_stage and (
            partner.credit_escalation_stage != level.escalation_stage
        ):
            partner.credit_escalation_stage = level.escalation_stage
            partner.message_post(
                body=self.env._(
                    "Escalated to %(stage)s by notice %(notice)s.",
                    stage=dict(
                        level._fields["escalation_stage"]._description_selection(
                            self.env
                        )
                    )[level.escalation_stage],
                    notice=self.name,
                )
            )

    # ------------------------------------------------------------------
    # Settlement
    # ------------------------------------------------------------------

    def _credit_mark_paid_if_settled(self):
        """Notices whose invoices are all paid become paid; the scenario's
        thank-you email goes out if it has one."""
        settled_states = ("paid", "in_payment", "reversed")
        for notice in self.filtered(lambda n: n.state in ("to_validate", "sent")):
            if all(
                move.payment_state in settled_states for move in notice.line_ids.move_id
            ):
                notice.state = "paid"
                template = notice.scenario_id.thank_you_template_id
                if template and notice.contact_id.email:
                    template.send_mail(notice.id, force_send=False)

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------

    def _credit_attach_letter(self):
        """Store the PDF letter of the notices that went out and link it on
        them: the report's attachment expression saves it, later prints
        reuse it, so the letter on file is the one that was sent. A
        rendering error is noted on the notices and never undoes the
        sending."""
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
        except Exception as error:  # noqa: BLE001 - any engine failure
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
        for notice in notices:
            attachment = report.retrieve_attachment(notice)
            if attachment:
                notice.letter_attachment_id = attachment
