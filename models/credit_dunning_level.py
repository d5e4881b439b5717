from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import Constraint


class CreditDunningLevel(models.Model):
    """One step of a dunning scenario, reached a number of days after (or,
    when negative, before) an invoice's due date, and what it does: email,
    letter, call, SMS, fee, credit hold, escalation."""

    _name = "credit.dunning.level"
    _description = "Dunning Level"
    _order = "scenario_id, days_offset, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    scenario_id = fields.Many2one(
        "credit.dunning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="scenario_id.company_id", store=True, index=True
    )
    days_offset = fields.Integer(
        string="Days from Due Date",
        required=True,
        help="Days after the due date at which this level is reached; "
        "a negative number sends it before the due date.",
    )
    min_days_after_previous = fields.Integer(
        string="Minimum Days after the Previous Step",
        default=7,
        help="The engine reaches this level only when the previous step was sent "
        "to the customer (or for the invoice) at least this many days before: "
        "a backlog climbs the scenario one step at a time.",
    )
    validation_required = fields.Boolean(
        help="Notices of this level wait for a credit controller's validation "
        "instead of going out by themselves.",
    )
    # Email
    send_email = fields.Boolean(string="Email", default=True)
    email_template_id = fields.Many2one(
        "mail.template",
        domain="[('model', '=', 'credit.notice')]",
        help="Sent to the customer's invoicing contact, with the letter attached.",
    )
    # Who of the company is in copy of the email (_credit_cc_partners)
    cc_collector = fields.Boolean(
        string="Collector in Copy",
        help="The user who handles the notice (the customer's collector, else "
        "the level's or the company's collections user) is in copy.",
    )
    cc_account_manager = fields.Boolean(
        string="Account Manager in Copy",
        help="The user in charge of the customer (the Salesperson of its "
        "contact form) is in copy.",
    )
    cc_salesperson = fields.Boolean(
        string="Salespersons in Copy",
        help="The salespersons of the notice's invoices are in copy.",
    )
    attach_letter = fields.Boolean(
        help="Attach the notice's letter as a PDF. Each letter is a PDF "
        "rendering: keep it for the formal steps on large ledgers.",
    )
    attach_invoices = fields.Boolean(
        help="Attach the PDF of each invoice of the notice to the email."
    )
    # Letter
    print_letter = fields.Boolean(
        string="Printed Letter",
        help="The notice's letter is queued for printing and posting.",
    )
    # Phone call
    create_activity = fields.Boolean(string="Call Task")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref(
            "mail.mail_activity_data_call", raise_if_not_found=False
        ),
    )
    activity_user_id = fields.Many2one(
        "res.users",
        string="Assign To",
        domain="[('share', '=', False)]",
        help="Used when the customer has neither a credit collector nor a "
        "salesperson.",
    )
    # SMS (when the sms addon is installed)
    send_sms = fields.Boolean(string="SMS")
    sms_body = fields.Text(
        string="SMS Text",
        translate=True,
        help="Placeholders: {partner}, {amount}, {days}, {company}.",
    )
    # Consequences
    is_formal_notice = fields.Boolean(
        string="Formal Notice",
        help="A formal notice (mise en demeure): statutory interest of consumers "
        "runs from its date.",
    )
    fee_amount = fields.Float(
        string="Fee",
        digits="Account",
        help="Fee charged to the customer at this level, in the company currency.",
    )
    set_credit_hold = fields.Boolean(
        string="Put on Credit Hold",
        help="Blocks new orders and invoices of the customer.",
    )
    escalation_stage = fields.Selection(
        [("agency", "Collection agency"), ("legal", "Legal action")],
        string="Escalate To",
        help="Moves the customer to this collection stage. The engine lists "
        "only invoices that had a formal notice sent, and waits while none had.",
    )
    letter_body = fields.Html(
        translate=True,
        sanitize_style=True,
        help="Text of the letter and of the email for this level.",
    )

    _min_days_after_previous_positive = Constraint(
        "CHECK(min_days_after_previous >= 0)",
        "The minimum days after the previous step cannot be negative.",
    )
    _days_offset_unique = Constraint(
        "unique(scenario_id, days_offset)",
        "Two levels of the same scenario cannot be reached on the same day.",
    )

    @api.depends("name", "days_offset")
    def _compute_display_name(self):
        for level in self:
            sign = "+" if level.days_offset >= 0 else ""
            level.display_name = f"{level.name} ({sign}{level.days_offset})"

    def _credit_fee(self, currency, company, date):
        """The level's fee (set in company currency) in a notice's currency,
        at the rate of the notice's date."""
        self.ensure_one()
        return company.currency_id._convert(self.fee_amount, currency, company, date)

    def _credit_cc_partners(self, partner, collector, invoices):
        """The one rule of who is in copy of this level's email for a
        customer whose notice on these invoices the given collector handles:
        the users the level names who are persons with an email (shared by
        the notice and the dry run)."""
        self.ensure_one()
        users = self.env["res.users"]
        if self.cc_collector:
            users |= collector
        if self.cc_account_manager:
            users |= partner.commercial_partner_id.sudo().user_id
        if self.cc_salesperson:
            users |= invoices.sudo().invoice_user_id
        return (
            users.sudo()
            .filtered(lambda user: user._credit_is_person() and user.email)
            .partner_id.with_env(self.env)
        )

    def _credit_action_summary(self):
        """A short list of what this level does, for previews and notices."""
        self.ensure_one()
        actions = []
        if self.send_email:
            actions.append(self.env._("email"))
        if self.print_letter:
            actions.append(self.env._("letter"))
        if self.create_activity:
            actions.append(self.env._("call"))
        if self.send_sms:
            actions.append(self.env._("SMS"))
        if self.set_credit_hold:
            actions.append(self.env._("credit hold"))
        if self.escalation_stage:
            actions.append(
                dict(self._fields["escalation_stage"]._description_selection(self.env))[
                    self.escalation_stage
                ]
            )
        return ", ".join(actions)

    @api.model
    def _credit_set_partner_levels(self, company, rows):
        """Set the customers' dunning level in ``company`` from ``rows``, an
        SQL query of ``(partner_id, level_id)`` (level NULL: no level). The
        one writer of ``res.partner.credit_level_id``, set-based for the
        run's batches and used by every other caller: the field is
        company-dependent (a JSON object keyed by company), only this
        company's key changes, and no level removes the key as the ORM does."""
        Partner = self.env["res.partner"]
        Partner.flush_model(["credit_level_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_level_id = CASE
                       WHEN data.level_id IS NULL
                       THEN NULLIF(
                           partner.credit_level_id - %(company_key)s, '{}'::jsonb)
                       ELSE COALESCE(partner.credit_level_id, '{}'::jsonb)
                            || jsonb_build_object(%(company_key)s, data.level_id)
                       END
                  FROM (%(rows)s) AS data(partner_id, level_id)
                 WHERE partner.id = data.partner_id
                   AND (data.level_id IS NOT NULL
                        OR partner.credit_level_id ? %(company_key)s)
                """,
                company_key=str(company.id),
                rows=rows,
            )
        )
        Partner.invalidate_model(["credit_level_id"])

    @api.model
    def _credit_partner_level_values(self, level_by_partner):
        """``VALUES`` rows for ``_credit_set_partner_levels`` from
        ``{partner id: level id or None}``."""
        return SQL(
            "VALUES %s",
            SQL(", ").join(
                SQL("(%s::int, %s::int)", partner_id, level_id)
                for partner_id, level_id in level_by_partner.items()
            ),
        )

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------
    letter_type = fields.Selection(
        [
            ("courtesy", "Courtesy reminder (before the due date)"),
            ("first", "First reminder"),
            ("second", "Second reminder"),
            ("formal", "Formal notice"),
            ("final", "Final notice before legal action"),
        ],
        compute="_compute_letter_type",
        store=True,
        readonly=False,
        help="Chooses the title, the standard text and the mentions of the "
        "letter. Set from the level's offset, formal notice and escalation; "
        "can be changed.",
    )

    @api.depends("days_offset", "is_formal_notice", "escalation_stage")
    def _compute_letter_type(self):
        for level in self:
            if level.is_formal_notice:
                level.letter_type = "formal"
            elif level.escalation_stage:
                level.letter_type = "final"
            elif level.days_offset < 0:
                level.letter_type = "courtesy"
            else:
                earlier = level.scenario_id.level_ids.filtered(
                    lambda other, level=level: other != level
                    and 0 <= other.days_offset < level.days_offset
                    and not other.is_formal_notice
                    and not other.escalation_stage
                )
                level.letter_type = "second" if earlier else "first"
