"""How a dunning notice goes out: what it needs first, its level's channels
(email, letter, call, SMS), the consequences of its step, and its close when paid."""

from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..compat import partner_phone_numbers
from ..tools import late_interest
from ..tools.receivable import SETTLED_PAYMENT_STATES
from .credit_engine import EMAIL_LAYOUT


class CreditNoticeSending(models.AbstractModel):
    """Sending of ``credit.notice`` (inherited by it), level by level and in batch."""

    _name = "credit.notice.sending"
    _description = "Dunning Notice: Sending"

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
    # Business methods: sending a step
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
            Level = self.env["credit.dunning.level"]
            Level._credit_set_partner_levels(
                self.company_id,
                Level._credit_partner_level_values({partner.id: level.id}),
            )
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

    # ------------------------------------------------------------------
    # Business methods: settlement
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
