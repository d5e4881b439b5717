from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# A cover the insurer pays on: granted in full or for less (reduced).
IN_FORCE_STATES = ("granted", "reduced")
# States still waiting for, or living with, a decision (one per customer).
OPEN_STATES = ("requested", *IN_FORCE_STATES)


class CreditInsuranceCover(models.Model):
    """The insurer's cover of one customer under one policy: a named cover
    (agrément) is requested and decided by the insurer, an unnamed one is
    the policy's discretionary limit, taken without request.

    History: the insurer's later decisions on the same cover (reduced,
    raised, cancelled) change this record, and every change of amount, date
    or state is tracked in its chatter with who recorded it and when; a
    cover that ended (cancelled, refused, expired) stays as it was, and a
    new request is a new cover."""

    _name = "credit.insurance.cover"
    _description = "Credit Insurance Cover"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    # === FIELDS === #

    policy_id = fields.Many2one(
        "credit.insurance.policy",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="policy_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="policy_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    kind = fields.Selection(
        [("named", "Named (approval)"), ("unnamed", "Unnamed (discretionary)")],
        default="named",
        required=True,
        tracking=True,
        help="Named: the insurer approved this customer for an amount. "
        "Unnamed: the policy's discretionary limit, without request.",
    )
    reference = fields.Char(
        string="Insurer Reference", tracking=True, help="The insurer's decision number."
    )
    requested_amount = fields.Monetary(tracking=True)
    granted_amount = fields.Monetary(tracking=True)
    decision_date = fields.Date(tracking=True)
    date_start = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="Valid Until", tracking=True)
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("granted", "Granted"),
            ("reduced", "Reduced"),
            ("cancelled", "Cancelled"),
            ("refused", "Refused"),
            ("expired", "Expired"),
        ],
        default="requested",
        required=True,
        tracking=True,
        index=True,
    )
    note = fields.Text()

    # === COMPUTE METHODS === #

    @api.depends("partner_id", "policy_id", "granted_amount")
    def _compute_display_name(self):
        for cover in self:
            cover.display_name = self.env._(
                "%(partner)s: %(amount)s (%(policy)s)",
                partner=cover.partner_id.display_name or "",
                amount=(cover.currency_id or self.env.company.currency_id).format(
                    cover.granted_amount
                ),
                policy=cover.policy_id.display_name or "",
            )

    # === CONSTRAINT METHODS === #

    @api.constrains(
        "kind",
        "state",
        "requested_amount",
        "granted_amount",
        "decision_date",
        "partner_id",
        "date_start",
        "date_end",
    )
    def _check_cover(self):
        for cover in self:
            currency = cover.currency_id
            if cover.partner_id.parent_id:
                raise ValidationError(
                    self.env._(
                        "A cover is granted on the customer itself, not on its "
                        "contact %(contact)s.",
                        contact=cover.partner_id.display_name,
                    )
                )
            if min(cover.requested_amount, cover.granted_amount) < 0:
                raise ValidationError(self.env._("Cover amounts cannot be negative."))
            if cover.date_end and cover.date_end < cover.date_start:
                raise ValidationError(
                    self.env._("A cover cannot end before it starts.")
                )
            if cover.state in IN_FORCE_STATES and (
                currency.is_zero(cover.granted_amount) or not cover.decision_date
            ):
                raise ValidationError(
                    self.env._(
                        "A granted or reduced cover needs the granted amount and "
                        "the date of the insurer's decision."
                    )
                )
            if (
                cover.kind == "unnamed"
                and currency.compare_amounts(
                    cover.granted_amount, cover.policy_id.unnamed_limit
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "An unnamed cover is at most the policy's discretionary "
                        "limit of %(limit)s.",
                        limit=currency.format(cover.policy_id.unnamed_limit),
                    )
                )
        self._check_one_open_cover()

    def _check_one_open_cover(self):
        """One cover at a time per customer and policy: two open covers of
        overlapping validity would make the insured amount a guess."""
        for cover in self.filtered(lambda c: c.state in OPEN_STATES):
            domain = [
                ("id", "!=", cover.id),
                ("policy_id", "=", cover.policy_id.id),
                ("partner_id", "=", cover.partner_id.id),
                ("state", "in", OPEN_STATES),
                "|",
                ("date_end", "=", False),
                ("date_end", ">=", cover.date_start),
            ]
            if cover.date_end:
                domain.append(("date_start", "<=", cover.date_end))
            if self.search_count(domain, limit=1):
                raise ValidationError(
                    self.env._(
                        "%(partner)s already has an open cover under %(policy)s "
                        "for these dates: record the insurer's new decision on it.",
                        partner=cover.partner_id.display_name,
                        policy=cover.policy_id.display_name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        policies = self.env["credit.insurance.policy"]
        for vals in vals_list:
            policy = policies.browse(vals.get("policy_id"))
            if vals.get("kind") == "unnamed" and "granted_amount" not in vals:
                # Discretionary: no request, the policy's limit, at once.
                vals["granted_amount"] = policy.unnamed_limit
                vals.setdefault("state", "granted")
                vals.setdefault(
                    "decision_date", vals.get("date_start") or fields.Date.today()
                )
        return super().create(vals_list)

    def write(self, vals):
        if "granted_amount" in vals and "state" not in vals:
            # The insurer lowering a cover in force reduces it.
            lowered = self.filtered(
                lambda c: c.state in IN_FORCE_STATES
                and c.currency_id.compare_amounts(
                    vals["granted_amount"], c.granted_amount
                )
                < 0
            )
            if lowered and lowered != self:
                (self - lowered).write(vals)
                return lowered.write(vals)
            if lowered:
                vals = dict(vals, state="reduced")
        return super().write(vals)

    # === ACTION METHODS === #

    def action_grant(self):
        """Record the insurer's approval of the requested amount (or of the
        granted amount typed in)."""
        for cover in self:
            amount = cover.granted_amount or cover.requested_amount
            cover.write(
                {
                    "granted_amount": amount,
                    "decision_date": cover.decision_date
                    or fields.Date.context_today(self),
                    "state": "reduced"
                    if cover.currency_id.compare_amounts(amount, cover.requested_amount)
                    < 0
                    else "granted",
                }
            )

    def action_refuse(self):
        self._credit_end("refused")

    def action_cancel(self):
        self._credit_end("cancelled")

    def _credit_end(self, state):
        today = fields.Date.context_today(self)
        for cover in self:
            cover.write(
                {
                    "state": state,
                    "decision_date": today,
                    "date_end": min(cover.date_end or today, today),
                }
            )

    # === BUSINESS METHODS === #

    @api.model
    def _credit_in_force_condition(self, cover, policy, on_date):
        """The one rule of a cover in force on ``on_date`` (an SQL date),
        as an SQL condition on the aliases ``cover`` and ``policy``: granted
        or reduced, valid that day, under an active policy valid that day."""
        return SQL(
            """%(cover)s.state IN %(states)s
               AND %(cover)s.date_start <= %(day)s
               AND (%(cover)s.date_end IS NULL OR %(cover)s.date_end >= %(day)s)
               AND %(policy)s.active
               AND %(policy)s.date_start <= %(day)s
               AND (%(policy)s.date_end IS NULL OR %(policy)s.date_end >= %(day)s)""",
            cover=SQL.identifier(cover),
            policy=SQL.identifier(policy),
            states=IN_FORCE_STATES,
            day=on_date,
        )

    @api.model
    def _credit_current_covers(self, partners, company, on_date=None):
        """The cover in force of each of the commercial ``partners`` in
        ``company`` on ``on_date`` (today): {partner_id: cover}, one query.
        Under several policies, the largest granted amount."""
        if not partners:
            return {}
        self.flush_model()
        self.env["credit.insurance.policy"].flush_model()
        on_date = on_date or fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (c.partner_id) c.partner_id, c.id
              FROM credit_insurance_cover c
              JOIN credit_insurance_policy p ON p.id = c.policy_id
             WHERE c.partner_id IN %(partners)s
               AND c.company_id = %(company)s
               AND %(in_force)s
          ORDER BY c.partner_id, c.granted_amount DESC, c.id DESC
                """,
                partners=tuple(partners.ids),
                company=company.id,
                in_force=self._credit_in_force_condition("c", "p", on_date),
            )
        )
        return {partner_id: self.browse(cover_id) for partner_id, cover_id in rows}

    @api.model
    def _credit_expire_covers(self):
        """Covers past their validity become expired (daily)."""
        today = fields.Date.context_today(self)
        self.search([("state", "in", OPEN_STATES), ("date_end", "<", today)]).write(
            {"state": "expired"}
        )
