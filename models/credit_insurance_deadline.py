from odoo import Command, api, fields, models
from odoo.tools import SQL, drop_view_if_exists
from odoo.tools.misc import format_amount, format_date

from ..compat import notify_cron_progress
from ..tools.receivable import CUSTOMER_INVOICE_TYPES, OPEN_PAYMENT_STATES
from .credit_collection_dashboard import KpiList

# The declaration of an invoice, as the view reads it.
DECLARATION_STATES = [
    ("to_declare", "To declare"),
    ("draft", "Declaration in draft"),
    ("declared", "Declared"),
    ("declared_late", "Declared late"),
]


class CreditInsuranceDeadline(models.Model):
    """The insurance deadlines of every posted invoice of an insured
    customer (a SQL view, one row per invoice, its id the invoice's): the
    day by which its overdue must be declared to keep the cover (the
    policy's days after the unpaid or original due date), the claim date,
    and the declaration that was made. An invoice is insured when a cover
    of its customer was in force on its invoice date."""

    _name = "credit.insurance.deadline"
    _description = "Insurance Declaration Deadline"
    _auto = False
    _order = "declaration_deadline, id"
    _rec_name = "move_id"
    _depends = {
        "account.move": [
            "amount_residual_signed",
            "commercial_partner_id",
            "company_id",
            "invoice_date",
            "move_type",
            "payment_state",
            "state",
        ],
        "account.move.line": ["amount_residual", "date_maturity", "reconciled"],
        "credit.insurance.cover": [
            "company_id",
            "date_end",
            "date_start",
            "granted_amount",
            "partner_id",
            "policy_id",
            "state",
        ],
        "credit.insurance.policy": [
            "active",
            "alert_days",
            "claim_days",
            "date_end",
            "date_start",
            "declaration_basis",
            "declaration_days",
        ],
        "credit.insurance.declaration": ["date", "move_ids", "state"],
    }

    # === FIELDS === #

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    policy_id = fields.Many2one("credit.insurance.policy", readonly=True)
    cover_id = fields.Many2one("credit.insurance.cover", readonly=True)
    user_id = fields.Many2one("res.users", string="Credit Manager", readonly=True)
    is_open = fields.Boolean(string="Unpaid", readonly=True)
    amount_residual = fields.Monetary(
        string="Amount Due", readonly=True, aggregator="sum"
    )
    due_date = fields.Date(
        readonly=True, help="The due date the declaration deadline counts from."
    )
    declaration_deadline = fields.Date(
        readonly=True,
        help="Last day to declare the overdue to the insurer; declared later, "
        "the invoice loses its cover.",
    )
    alert_date = fields.Date(readonly=True)
    claim_date = fields.Date(
        readonly=True,
        help="Last day to file the claim: the policy's claim days after the "
        "declaration (or after the deadline while not declared).",
    )
    declaration_id = fields.Many2one("credit.insurance.declaration", readonly=True)
    declaration_date = fields.Date(readonly=True)
    declaration_state = fields.Selection(
        DECLARATION_STATES, string="Declaration Status", readonly=True
    )
    status = fields.Char(compute="_compute_status")

    # === COMPUTE METHODS === #

    @api.depends_context("lang")
    def _compute_status(self):
        today = fields.Date.context_today(self)
        for row in self:
            row.status = row._credit_status_sentence(today)

    # === CRUD METHODS === #

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._credit_deadline_query(),
            )
        )

    def _credit_deadline_query(self):
        in_force = self.env["credit.insurance.cover"]._credit_in_force_condition(
            "c", "p", SQL("m.invoice_date")
        )
        return SQL(
            """
        WITH insured AS (
            SELECT DISTINCT ON (m.id)
                   m.id AS move_id, m.commercial_partner_id AS partner_id,
                   m.company_id, co.currency_id, c.id AS cover_id,
                   p.id AS policy_id, p.user_id, p.declaration_days,
                   p.claim_days, p.alert_days, p.declaration_basis,
                   m.payment_state IN %(open)s AS is_open,
                   CASE WHEN m.payment_state IN %(open)s
                        THEN m.amount_residual_signed ELSE 0 END AS amount_residual
              FROM account_move m
              JOIN res_company co ON co.id = m.company_id
              JOIN credit_insurance_cover c
                ON c.partner_id = m.commercial_partner_id
               AND c.company_id = m.company_id
              JOIN credit_insurance_policy p ON p.id = c.policy_id
             WHERE m.state = 'posted'
               AND m.move_type IN %(types)s
               AND %(in_force)s
          ORDER BY m.id, c.granted_amount DESC, c.id DESC
        ), due AS (
            SELECT i.move_id,
                   MIN(l.date_maturity) AS original_due,
                   MIN(l.date_maturity) FILTER (
                       WHERE l.amount_residual > 0
                         AND l.reconciled IS NOT TRUE) AS unpaid_due
              FROM insured i
              JOIN account_move_line l ON l.move_id = i.move_id
              JOIN account_account a ON a.id = l.account_id
             WHERE a.account_type = 'asset_receivable'
          GROUP BY i.move_id
        ), based AS (
            SELECT i.*,
                   CASE WHEN i.declaration_basis = 'original_due_date'
                        THEN d.original_due
                        ELSE COALESCE(d.unpaid_due, d.original_due) END AS due_date,
                   dec.id AS declaration_id, dec.date AS declaration_date,
                   dec.state AS declaration_record_state
              FROM insured i
              JOIN due d ON d.move_id = i.move_id
              LEFT JOIN LATERAL (
                  SELECT x.id, x.date, x.state
                    FROM credit_insurance_declaration x
                    JOIN credit_insurance_declaration_account_move_rel r
                      ON r.declaration_id = x.id
                   WHERE r.move_id = i.move_id
                ORDER BY x.state = 'draft', x.date DESC NULLS LAST, x.id DESC
                   LIMIT 1
              ) dec ON TRUE
        )
        SELECT b.move_id AS id, b.move_id, b.partner_id, b.company_id,
               b.currency_id, b.policy_id, b.cover_id, b.user_id, b.is_open,
               b.amount_residual, b.due_date,
               b.due_date + b.declaration_days AS declaration_deadline,
               b.due_date + b.declaration_days - b.alert_days AS alert_date,
               CASE WHEN b.declaration_record_state <> 'draft'
                    THEN b.declaration_date
                    ELSE b.due_date + b.declaration_days END
                 + b.claim_days AS claim_date,
               b.declaration_id, b.declaration_date,
               CASE WHEN b.declaration_id IS NULL THEN 'to_declare'
                    WHEN b.declaration_record_state = 'draft' THEN 'draft'
                    WHEN b.declaration_date > b.due_date + b.declaration_days
                    THEN 'declared_late'
                    ELSE 'declared' END AS declaration_state
          FROM based b
            """,
            open=OPEN_PAYMENT_STATES,
            types=CUSTOMER_INVOICE_TYPES,
            in_force=in_force,
        )

    # === BUSINESS METHODS === #

    def _credit_is_declared(self):
        self.ensure_one()
        return self.declaration_state in ("declared", "declared_late")

    def _credit_status_sentence(self, today):
        """What the notice, the case file and the worklist say of the
        invoice's declaration on ``today``."""
        self.ensure_one()

        def day(value):
            return format_date(self.env, value)

        insurer = self.policy_id.insurer_id.name or ""
        if self.declaration_state == "declared_late":
            return self.env._(
                "Declared to %(insurer)s on %(date)s, after the deadline of "
                "%(deadline)s: cover lost",
                insurer=insurer,
                date=day(self.declaration_date),
                deadline=day(self.declaration_deadline),
            )
        if self.declaration_state == "declared":
            return self.env._(
                "Declared to %(insurer)s on %(date)s (%(reference)s); claim by "
                "%(claim)s",
                insurer=insurer,
                date=day(self.declaration_date),
                reference=self.declaration_id.insurer_reference
                or self.declaration_id.name,
                claim=day(self.claim_date),
            )
        if self.declaration_deadline < today:
            return self.env._(
                "Not declared to %(insurer)s by %(deadline)s: cover lost",
                insurer=insurer,
                deadline=day(self.declaration_deadline),
            )
        if self.due_date >= today:
            return self.env._(
                "Insured by %(insurer)s; to declare by %(deadline)s if unpaid",
                insurer=insurer,
                deadline=day(self.declaration_deadline),
            )
        return self.env._(
            "To declare to %(insurer)s by %(deadline)s",
            insurer=insurer,
            deadline=day(self.declaration_deadline),
        )

    @api.model
    def _credit_rows(self, moves):
        """The rows of those of ``moves`` that are insured, read afresh (a
        view: what the cache holds of it may predate a change of the
        invoices, covers, policies or declarations)."""
        self.invalidate_model()
        return self.search([("move_id", "in", moves.ids)])

    @api.model
    def _credit_status_by_move(self, moves, on_date=None):
        """{move id: status sentence on ``on_date`` (today)} of those of
        ``moves`` that are insured (one read of the view)."""
        rows = self.sudo()._credit_rows(moves)
        on_date = on_date or fields.Date.context_today(self)
        return {row.move_id.id: row._credit_status_sentence(on_date) for row in rows}

    @api.model
    def _cron_declaration_alerts(self, batch_size=200):
        """Give the credit manager of the policy a to-do on each overdue,
        undeclared invoice whose declaration deadline is within the policy's
        alert days: once per invoice (the invoice keeps the day of its
        alert, written with the to-dos, in the same transaction), one batch
        per call; the cron framework commits and calls again while work
        remains."""
        self.env["credit.insurance.cover"]._credit_expire_covers()
        self.env.flush_all()
        self.invalidate_model()
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT d.id, COUNT(*) OVER ()
              FROM credit_insurance_deadline d
              JOIN account_move m ON m.id = d.move_id
             WHERE m.credit_insurance_alert_date IS NULL
               AND d.is_open
               AND d.declaration_state IN ('to_declare', 'draft')
               AND d.due_date < %(today)s
               AND d.alert_date <= %(today)s
               AND d.declaration_deadline >= %(today)s
          ORDER BY d.declaration_deadline, d.id
             LIMIT %(limit)s
                """,
                today=today,
                limit=batch_size,
            )
        )
        if not rows:
            return
        # Every company's deadlines: read as the system, whoever runs it.
        deadlines = self.sudo().browse([row_id for row_id, _total in rows])
        alert = self.env.ref(
            "credit_collection.mail_activity_type_insurance_declaration"
        )
        model_id = self.env["ir.model"]._get_id("account.move")
        activities = []
        for row in deadlines:
            user = (
                row.user_id or row.company_id.credit_fallback_user_id or self.env.user
            )
            # worded for the one who reads it, not for the scheduler
            env = self.with_context(lang=user.lang).env
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": row.move_id.id,
                    "activity_type_id": alert.id,
                    "user_id": user.id,
                    "date_deadline": row.declaration_deadline,
                    "summary": env._(
                        "Declare the overdue to %(insurer)s by %(deadline)s",
                        insurer=row.policy_id.insurer_id.name or "",
                        deadline=format_date(env, row.declaration_deadline),
                    ),
                }
            )
        self.env["mail.activity"].sudo().create(activities)
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET credit_insurance_alert_date = %s "
                "WHERE id IN %s",
                today,
                tuple(deadlines.move_id.ids),
            )
        )
        self.env["account.move"].invalidate_model(["credit_insurance_alert_date"])
        total = rows[0][1]
        notify_cron_progress(self.env, len(rows), total - len(rows))

    # === ACTION METHODS === #

    def action_credit_declare(self):
        """A draft declaration of the selected invoices, one per customer
        and policy, opened for the insurer's reference and date."""
        Declaration = self.env["credit.insurance.declaration"]
        declarations = Declaration
        for (partner, policy), rows in self.grouped(
            lambda row: (row.partner_id, row.policy_id)
        ).items():
            declarations |= Declaration.create(
                {
                    "partner_id": partner.id,
                    "policy_id": policy.id,
                    "move_ids": [Command.set(rows.move_id.ids)],
                }
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_insurance_declaration_action"
        )
        if len(declarations) == 1:
            action.update(res_id=declarations.id, views=[(False, "form")])
        else:
            action["domain"] = [("id", "in", declarations.ids)]
        return action

    # === DASHBOARD === #

    @api.model
    def _credit_dashboard_domains(self, companies):
        """{kpi: ``KpiList``} of the dashboard's insurance
        indicators; the same domain counts and opens the list."""
        today = fields.Date.context_today(self)
        week_end = fields.Date.add(today, days=7)
        undeclared = [
            ("company_id", "in", companies.ids),
            ("is_open", "=", True),
            ("declaration_state", "in", ("to_declare", "draft")),
            ("due_date", "<", today),
        ]
        action = "credit_collection.credit_insurance_deadline_action"
        return {
            "insurance_due": KpiList(
                action,
                undeclared
                + [
                    ("declaration_deadline", ">=", today),
                    ("declaration_deadline", "<=", week_end),
                ],
                self.env._("Declarations Due This Week"),
            ),
            "insurance_late": KpiList(
                action,
                undeclared + [("declaration_deadline", "<", today)],
                self.env._("Declarations Late"),
            ),
        }

    @api.model
    def _credit_dashboard_kpis(self, companies, currency):
        """The dashboard's insurance indicators of companies with an active
        policy: declarations due this week, late, and the uninsured exposure
        of the insured customers (company currency of the first company)."""
        policies = self.env["credit.insurance.policy"].search(
            [("company_id", "in", companies.ids)]
        )
        if not policies:
            return []
        kpis = []
        for key, (_action, domain, title) in self._credit_dashboard_domains(
            companies
        ).items():
            count = self.search_count(domain)
            kpis.append(
                {"key": key, "label": title, "value": count, "display": str(count)}
            )
        uninsured = 0.0
        for company in policies.company_id:
            insured = policies.filtered(lambda p, c=company: p.company_id == c)
            figures = self.env["credit.exposure"]._credit_figures(
                insured.cover_ids.partner_id, company
            )
            uninsured += company.currency_id._convert(
                sum(values["uninsured"] for values in figures.values()),
                currency,
                company,
                fields.Date.context_today(self),
            )
        kpis.append(
            {
                "key": "insurance_uninsured",
                "label": self.env._("Uninsured Exposure"),
                "value": uninsured,
                "display": format_amount(self.env, uninsured, currency),
            }
        )
        return kpis
