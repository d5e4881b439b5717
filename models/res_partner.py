import json
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from stdnum.eu import vat as eu_vat

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, formatLang

from ..compat import notify_cron_progress
from ..tools import siren
from ..tools.receivable import OPEN_PAYMENT_STATES
from ..tools.risk_scoring import PartnerStats, compute_score
from .credit_engine import CONTROLLER, EMAIL_LAYOUT, check_engine_fields
from .credit_risk_score_line import FACTOR_KEYS

# Customers scored per batch of the nightly recompute: each batch scans the
# year's receivable lines once, so fewer, larger batches cost less.
RISK_BATCH_SIZE = 20000
RISK_PARTNER_FIELDS = [
    "credit_limit",
    "credit_risk_grade_id",
    "credit_grade_override_id",
    "credit_grade_override_date_end",
]

# Who may read a customer's credit figures (limit, exposure, hold reason,
# grade): the groups of Odoo's own ``credit_limit`` field.
CREDIT_FIGURES_GROUPS = "account.group_account_invoice,account.group_account_readonly"
# Set by the engine and the managers' wizards only (see credit_engine.py).
ENGINE_FIELDS = (
    "credit_risk_score",
    "credit_risk_grade_id",
    "credit_grade_override_id",
    "credit_grade_override_reason",
    "credit_grade_override_date_end",
    "credit_level_id",
    "credit_escalation_stage",
    "credit_case_file_attachment_id",
)

# Payments of invoices due in the last RECENT_DAYS are compared with older
# ones to tell whether a customer's delays are worsening.
RECENT_DAYS = 90
HISTORY_MONTHS = 12


def months_between(start, end):
    """Whole months from ``start`` to ``end``: a month counts once its day
    of the month is reached (plain arithmetic: relativedelta costs more than
    the score itself over tens of thousands of customers)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_collector_id = fields.Many2one(
        "res.users",
        company_dependent=True,
        domain="[('share', '=', False)]",
        help="Person in charge of collecting this customer's receivables.",
        groups=CONTROLLER,
    )
    credit_scenario_id = fields.Many2one(
        "credit.dunning.scenario",
        string="Dunning Scenario",
        company_dependent=True,
        domain="['|', ('company_id', '=', False), "
        "('company_id', '=', current_company_id)]",
        help="Overrides the scenario chosen by grade, tag or company default.",
        groups=CONTROLLER,
    )

    # Credit: hold, risk score and grade, all per company.
    credit_hold = fields.Boolean(
        company_dependent=True,
        copy=False,
        tracking=True,
        help="Sale orders and invoices of a customer on hold are blocked or "
        "warned, depending on the company's credit check.",
        groups=CREDIT_FIGURES_GROUPS,
    )
    credit_hold_reason = fields.Char(
        string="Hold Reason",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=CREDIT_FIGURES_GROUPS,
    )
    credit_risk_score = fields.Integer(
        string="Risk Score",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="0 (worst) to 100 (best), from the customer's payment history.",
        groups=CONTROLLER,
    )
    credit_risk_grade_id = fields.Many2one(
        "credit.risk.grade",
        string="Risk Grade",
        company_dependent=True,
        copy=False,
        readonly=True,
        tracking=True,
        help="Grade of the score, or the manual override while it lasts.",
        groups=CONTROLLER,
    )
    credit_grade_override_id = fields.Many2one(
        "credit.risk.grade",
        string="Overriding Grade",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=CONTROLLER,
    )
    credit_grade_override_reason = fields.Char(
        string="Override Reason",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=CONTROLLER,
    )
    credit_grade_override_date_end = fields.Date(
        string="Override Until",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=CONTROLLER,
    )
    credit_risk_score_id = fields.Many2one(
        "credit.risk.score",
        compute="_compute_credit_risk_score_id",
        groups=CONTROLLER,
    )
    credit_risk_score_date = fields.Date(
        string="Score Computed On",
        compute="_compute_credit_risk_score_id",
        groups=CONTROLLER,
    )
    credit_risk_line_ids = fields.Many2many(
        "credit.risk.score.line",
        string="Risk Factors",
        compute="_compute_credit_risk_score_id",
        groups=CONTROLLER,
    )
    credit_risk_summary = fields.Char(
        string="Main Risk Reasons",
        compute="_compute_credit_risk_score_id",
        groups=CONTROLLER,
    )
    credit_exposure_receivable = fields.Monetary(
        string="Open Receivables",
        compute="_compute_credit_exposure",
        help="Posted, unpaid receivables, net of unapplied payments and credit "
        "notes, in the company currency.",
        groups=CONTROLLER,
    )
    credit_exposure_draft = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_exposure",
        help="Draft customer invoices and credit notes not coming from a sale "
        "order (those are counted with the orders).",
        groups=CONTROLLER,
    )
    credit_exposure_order = fields.Monetary(
        string="Orders to Invoice",
        compute="_compute_credit_exposure",
        help="Confirmed sale orders not invoiced yet, taxes included.",
        groups=CONTROLLER,
    )
    credit_exposure = fields.Monetary(
        string="Exposure",
        compute="_compute_credit_exposure",
        groups=CONTROLLER,
    )
    credit_overdue = fields.Monetary(
        string="Overdue",
        compute="_compute_credit_exposure",
        groups=CONTROLLER,
    )
    credit_limit_effective = fields.Monetary(
        string="Applicable Limit",
        compute="_compute_credit_exposure",
        help="The customer's credit limit, capped by the maximum of its risk grade.",
        groups=CONTROLLER,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_exposure",
        groups=CONTROLLER,
    )
    credit_over_limit = fields.Boolean(
        string="Over Credit Limit",
        compute="_compute_credit_exposure",
        search="_search_credit_over_limit",
        groups=CONTROLLER,
    )
    credit_is_manager = fields.Boolean(compute="_compute_credit_is_manager")
    credit_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Highest level reached on the customer's open invoices.",
        groups=CONTROLLER,
    )
    credit_paused_until = fields.Date(
        string="Dunning Paused Until",
        company_dependent=True,
        help="No reminder is sent to this customer until this date included.",
        groups=CONTROLLER,
    )
    credit_excluded = fields.Boolean(
        string="Excluded from Dunning",
        company_dependent=True,
        help="This customer never receives automatic reminders.",
        groups=CONTROLLER,
    )
    credit_escalation_stage = fields.Selection(
        [
            ("amicable", "Amicable"),
            ("agency", "Collection agency"),
            ("legal", "Legal action"),
        ],
        string="Collection Stage",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Set by the dunning levels that hand the account over to an "
        "agency or to court.",
        groups=CONTROLLER,
    )
    credit_case_file_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Last Case File",
        company_dependent=True,
        readonly=True,
        help="The last collection case file generated for this customer "
        "(bound when generated, readable by credit controllers only).",
        groups=CONTROLLER,
    )
    credit_notice_ids = fields.One2many(
        "credit.notice",
        "partner_id",
        string="Dunning Notices",
        readonly=True,
        groups=CONTROLLER,
    )
    credit_notice_count = fields.Integer(
        compute="_compute_credit_counts", groups=CONTROLLER
    )
    credit_promise_count = fields.Integer(
        compute="_compute_credit_counts", groups=CONTROLLER
    )
    credit_dispute_count = fields.Integer(
        compute="_compute_credit_counts", groups=CONTROLLER
    )

    # ------------------------------------------------------------------
    # Late interest: business or consumer debtor
    # ------------------------------------------------------------------
    credit_debtor_type = fields.Selection(
        selection=[
            ("auto", "Automatic"),
            ("business", "Business"),
            ("consumer", "Consumer"),
        ],
        string="Debtor Type",
        default="auto",
        required=True,
        help="Decides the late interest and recovery indemnity rules. "
        "Automatic: a company is a business, an individual a consumer. "
        "Consumers owe interest only from the formal notice and never the "
        "fixed recovery indemnity.",
    )

    @api.depends_context("company")
    def _compute_credit_risk_score_id(self):
        partners = self.commercial_partner_id.filtered("id")
        scores = self.env["credit.risk.score"].search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {score.partner_id.id: score for score in scores}
        for partner in self:
            score = by_partner.get(partner.commercial_partner_id.id, scores.browse())
            partner.credit_risk_score_id = score
            partner.credit_risk_score_date = score.date
            partner.credit_risk_line_ids = score.line_ids
            partner.credit_risk_summary = score.summary

    @api.depends_context("company")
    def _compute_credit_exposure(self):
        company = self.env.company
        commercial = self.commercial_partner_id._origin
        data = commercial._credit_exposure_data(company)
        for partner in self:
            commercial_partner = partner.commercial_partner_id._origin
            values = data.get(commercial_partner.id, {})
            receivable = values.get("receivable", 0.0)
            draft = values.get("draft", 0.0)
            order = values.get("order", 0.0)
            exposure = company.currency_id.round(receivable + draft + order)
            limit = commercial_partner._credit_get_limit()
            partner.credit_exposure_receivable = receivable
            partner.credit_exposure_draft = draft
            partner.credit_exposure_order = order
            partner.credit_exposure = exposure
            partner.credit_overdue = values.get("overdue", 0.0)
            partner.credit_limit_effective = limit
            partner.credit_available = limit - exposure if limit else 0.0
            partner.credit_over_limit = bool(limit) and (
                company.currency_id.compare_amounts(exposure, limit) > 0
            )

    def _search_credit_over_limit(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Operation not supported."))
        candidates = self.search([("customer_rank", ">", 0), ("parent_id", "=", False)])
        over = candidates.filtered("credit_over_limit")
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", over.ids)]

    @api.depends_context("uid")
    def _compute_credit_is_manager(self):
        is_manager = self.env.user.has_group("credit_collection.group_credit_manager")
        for partner in self:
            partner.credit_is_manager = is_manager

    @api.constrains(
        lambda self: [
            name
            for name in ("vat", "company_registry", "siret")
            if name in self._fields
        ]
    )
    def _check_credit_identity_numbers(self):
        """SIREN / SIRET / VAT numbers on a customer's credit file must be
        real numbers (checksums verified with python-stdnum)."""
        for partner in self:
            partner._credit_check_identity()

    def _credit_check_identity(self):
        self.ensure_one()
        vat = (self.vat or "").replace(" ", "").upper()
        if vat[:2].isalpha() and vat[:2] in eu_vat.MEMBER_STATES | {"EL"}:
            if not eu_vat.is_valid(vat):
                raise ValidationError(
                    self.env._(
                        "The VAT number %(vat)s of %(partner)s is not valid.",
                        vat=self.vat,
                        partner=self.display_name,
                    )
                )
        if self.country_id.code != "FR":
            return
        numbers = []
        if "siret" in self._fields and self.siret:
            numbers.append(self.siret)
        if self.company_registry:
            numbers.append(self.company_registry)
        for number in numbers:
            if not siren.is_valid(number):
                raise ValidationError(
                    self.env._(
                        "%(number)s is neither a valid SIREN (9 digits) nor a valid "
                        "SIRET (14 digits) number for %(partner)s.",
                        number=number,
                        partner=self.display_name,
                    )
                )

    @api.constrains("credit_hold", "credit_hold_reason")
    def _check_credit_hold_reason(self):
        for partner in self:
            if partner.credit_hold and not partner.credit_hold_reason:
                raise ValidationError(
                    self.env._(
                        "Give the reason why %(partner)s is put on credit hold.",
                        partner=partner.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        if (
            {"credit_hold", "credit_hold_reason"} & vals.keys()
            and not self.env.su
            and not self.env.user.has_group("credit_collection.group_credit_manager")
        ):
            raise AccessError(
                self.env._("Only a Credit Manager can put a customer on credit hold.")
            )
        limits = {}
        if "credit_limit" in vals and not self.env.su:
            limits = {partner: partner.sudo().credit_limit for partner in self}
        result = super().write(vals)
        for partner, old_limit in limits.items():
            partner._credit_log_limit_change(old_limit)
        return result

    def _credit_log_limit_change(self, old_limit):
        """A credit limit changed by hand is in the customer's chatter, with
        the acting user as author."""
        new_limit = self.sudo().credit_limit
        currency = self.env.company.currency_id
        if currency.compare_amounts(old_limit or 0.0, new_limit or 0.0):
            self.sudo().message_post(
                body=self.env._(
                    "Credit limit changed from %(old)s to %(new)s by %(user)s "
                    "(%(company)s).",
                    old=currency.format(old_limit or 0.0),
                    new=currency.format(new_limit or 0.0),
                    user=self.env.user.name,
                    company=self.env.company.name,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_credit_compute_risk(self):
        self.ensure_one()
        if not self.env.user.has_group(CONTROLLER):
            raise AccessError(
                self.env._("Only credit controllers can recompute a risk score.")
            )
        self.commercial_partner_id._credit_compute_risk()
        return True

    def action_credit_remove_grade_override(self):
        self.ensure_one()
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise AccessError(
                self.env._("Only a Credit Manager can change a risk grade.")
            )
        partner = self.commercial_partner_id
        partner.sudo().message_post(
            body=self.env._(
                "Risk grade override removed by %(user)s (%(company)s).",
                user=self.env.user.name,
                company=self.env.company.name,
            )
        )
        partner._credit_clear_grade_override()
        partner._credit_compute_risk()
        return True

    # Public API for the other parts of the module (dunning engine...)
    def _credit_set_hold(self, reason):
        """Put these customers on credit hold in the current company."""
        if not reason:
            raise ValidationError(self.env._("A credit hold needs a reason."))
        partners = self.commercial_partner_id
        partners.sudo().write({"credit_hold": True, "credit_hold_reason": reason})
        return True

    def _credit_release_hold(self):
        """Release the credit hold of these customers in the current company."""
        partners = self.commercial_partner_id.filtered("credit_hold")
        partners.sudo().write({"credit_hold": False, "credit_hold_reason": False})
        return True

    def _credit_get_limit(self):
        """Credit limit that applies in the current company: the partner's (or
        the company default) capped by the maximum of its grade; 0 = none."""
        self.ensure_one()
        limit = self.credit_limit or 0.0
        cap = self.credit_risk_grade_id.max_credit_limit
        if cap:
            limit = min(limit, cap) if limit else cap
        return limit

    def _credit_exposure_data(self, company):
        """Exposure of the commercial partners ``self`` in ``company``, in the
        company currency: {partner_id: {receivable, overdue, draft, order}}.

        A fixed number of queries whatever the number of partners (one per
        foreign currency of open orders at most)."""
        partner_ids = tuple(self.ids)
        if not partner_ids:
            return {}
        self.env["account.move.line"].flush_model(
            ["account_id", "amount_residual", "company_id", "parent_state"]
            + ["partner_id", "reconciled", "date_maturity"]
        )
        self.env["account.move"].flush_model(
            ["state", "move_type", "company_id", "commercial_partner_id"]
            + ["amount_total_signed"]
        )
        self.env["sale.order"].flush_model(["state", "company_id", "partner_id"])
        self.env["sale.order.line"].flush_model(
            ["untaxed_amount_to_invoice", "price_total", "price_subtotal"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        today = fields.Date.context_today(self)
        currency = company.currency_id
        result = {}

        def values(partner_id):
            return result.setdefault(
                partner_id,
                {"receivable": 0.0, "overdue": 0.0, "draft": 0.0, "order": 0.0},
            )

        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.commercial_partner_id,
                   SUM(aml.amount_residual),
                   SUM(aml.amount_residual) FILTER (
                       WHERE aml.date_maturity < %(today)s
                         AND aml.amount_residual > 0)
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN res_partner p ON p.id = aml.partner_id
             WHERE acc.account_type = 'asset_receivable'
               AND aml.parent_state = 'posted'
               AND aml.reconciled IS NOT TRUE
               AND aml.company_id = %(company)s
               AND p.commercial_partner_id IN %(partners)s
          GROUP BY p.commercial_partner_id
                """,
                today=today,
                company=company.id,
                partners=partner_ids,
            )
        )
        for partner_id, receivable, overdue in rows:
            values(partner_id).update(
                receivable=currency.round(receivable or 0.0),
                overdue=currency.round(overdue or 0.0),
            )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT m.commercial_partner_id, SUM(m.amount_total_signed)
              FROM account_move m
             WHERE m.state = 'draft'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.company_id = %(company)s
               AND m.commercial_partner_id IN %(partners)s
               AND NOT EXISTS (
                   SELECT 1
                     FROM account_move_line aml
                     JOIN sale_order_line_invoice_rel rel
                       ON rel.invoice_line_id = aml.id
                    WHERE aml.move_id = m.id)
          GROUP BY m.commercial_partner_id
                """,
                company=company.id,
                partners=partner_ids,
            )
        )
        for partner_id, amount in rows:
            values(partner_id)["draft"] = currency.round(amount or 0.0)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.commercial_partner_id, so.currency_id,
                   SUM(CASE WHEN sol.price_subtotal <> 0
                            THEN sol.untaxed_amount_to_invoice
                                 * sol.price_total / sol.price_subtotal
                            ELSE sol.untaxed_amount_to_invoice END)
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.state = 'sale'
               AND so.company_id = %(company)s
               AND p.commercial_partner_id IN %(partners)s
          GROUP BY p.commercial_partner_id, so.currency_id
                """,
                company=company.id,
                partners=partner_ids,
            )
        )
        rates = {}
        for partner_id, currency_id, amount in rows:
            if currency_id not in rates:
                rates[currency_id] = self.env["res.currency"]._get_conversion_rate(
                    self.env["res.currency"].browse(currency_id),
                    currency,
                    company,
                    today,
                )
            amount = currency.round(max(amount or 0.0, 0.0) * rates[currency_id])
            values(partner_id)["order"] += amount
        return result

    def _credit_payment_stats(self, company):
        """Payment behaviour over the last 12 months of the commercial partners
        ``self`` in ``company``, in one query:
        {partner_id: (count, late count, avg days late, recent avg, older avg)}.

        An invoice paid after its due date (or still open past it) is late by
        the days between the due date and the last reconciliation (or today)."""
        if not self.ids:
            return {}
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
            WITH due AS MATERIALIZED (
                SELECT p.commercial_partner_id AS partner_id,
                       aml.date_maturity AS date_due,
                       GREATEST(0, COALESCE(
                           CASE WHEN aml.reconciled THEN (
                               SELECT MAX(apr.max_date)
                                 FROM account_partial_reconcile apr
                                WHERE apr.debit_move_id = aml.id)
                           END, %(today)s) - aml.date_maturity) AS days_late
                  FROM account_move_line aml
                  JOIN account_move m ON m.id = aml.move_id
                  JOIN account_account acc ON acc.id = aml.account_id
                  JOIN res_partner p ON p.id = aml.partner_id
                 WHERE acc.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND m.move_type = 'out_invoice'
                   AND aml.balance > 0
                   AND aml.company_id = %(company)s
                   AND aml.date_maturity > %(start)s
                   AND aml.date_maturity <= %(today)s
                   AND p.commercial_partner_id IN %(partners)s
            )
            SELECT partner_id,
                   COUNT(*),
                   COUNT(*) FILTER (WHERE days_late > 0),
                   AVG(days_late),
                   AVG(days_late) FILTER (WHERE date_due > %(recent)s),
                   AVG(days_late) FILTER (WHERE date_due <= %(recent)s)
              FROM due
          GROUP BY partner_id
                """,
                today=today,
                start=today - relativedelta(months=HISTORY_MONTHS),
                recent=today - timedelta(days=RECENT_DAYS),
                company=company.id,
                partners=tuple(self.ids),
            )
        )
        return {
            partner_id: (
                count,
                late,
                float(avg or 0.0),
                None if recent is None else float(recent),
                None if older is None else float(older),
            )
            for partner_id, count, late, avg, recent, older in rows
        }

    # Hooks for promises and disputes (other parts of the module extend them)
    def _credit_risk_broken_promises(self, company):
        """Number of promises to pay broken in the last 12 months, per
        commercial partner id."""
        since = fields.Date.context_today(self) - relativedelta(months=HISTORY_MONTHS)
        groups = (
            self.env["credit.promise"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", self.ids),
                    ("state", "=", "broken"),
                    ("promise_date", ">=", since),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        return {partner.commercial_partner_id.id: count for partner, count in groups}

    def _credit_risk_open_disputes(self, company):
        """Number of open disputes per commercial partner id."""
        groups = (
            self.env["credit.dispute"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", self.ids),
                    ("state", "=", "open"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        return {partner.id: count for partner, count in groups}

    def _credit_compute_risk(self):
        """Recompute the risk score, factors and grade of the commercial
        partners ``self`` in the current company, set-based."""
        company = self.env.company
        # Only the fields the score needs: tens of thousands of partners with
        # all their columns would cost more than the scoring itself.
        self.fetch(["commercial_partner_id"])
        partners = self.commercial_partner_id.filtered("id")
        if not partners:
            return
        partners.fetch(RISK_PARTNER_FIELDS)
        today = fields.Date.context_today(self)
        exposure = partners._credit_exposure_data(company)
        payments = partners._credit_payment_stats(company)
        promises = partners._credit_risk_broken_promises(company)
        disputes = partners._credit_risk_open_disputes(company)
        first_invoices = dict(
            self.env["account.move"]._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                ],
                ["commercial_partner_id"],
                ["invoice_date:min"],
            )
        )
        params = company._credit_scoring_params()
        grades = self.env["credit.risk.grade"]
        grade_map = grades._get_grade_map(company)
        partners._credit_expire_grade_overrides()
        results = {}
        for partner in partners:
            money = exposure.get(partner.id, {})
            count, late, avg, recent, older = payments.get(
                partner.id, (0, 0, 0.0, None, None)
            )
            first_date = first_invoices.get(partner)
            total = sum(money.get(k, 0.0) for k in ("receivable", "draft", "order"))
            stats = PartnerStats(
                invoice_count=count,
                late_count=late,
                avg_days_late=avg,
                recent_avg_days_late=recent,
                older_avg_days_late=older,
                receivable=money.get("receivable", 0.0),
                overdue=money.get("overdue", 0.0),
                exposure=total,
                credit_limit=partner.credit_limit or 0.0,
                age_months=months_between(first_date, today) if first_date else 0,
                broken_promises=promises.get(partner.id, 0),
                open_disputes=disputes.get(partner.id, 0),
            )
            score, factors = compute_score(stats, params)
            grade = grades._grade_for_score(grade_map, score)
            results[partner] = (score, grade, factors, total)
        self._credit_store_scores(company, today, results)
        partners._credit_apply_scores(
            {
                partner.id: (score, grade)
                for partner, (score, grade, _factors, _total) in results.items()
            }
        )

    @api.model
    def _credit_store_scores(self, company, today, results):
        """Upsert the scores with their factors in one query, whatever the
        number of partners."""
        Score = self.env["credit.risk.score"]
        Score.flush_model()
        rows = [
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "date": today.isoformat(),
                "score": score,
                "grade_id": grade.id or None,
                "exposure": total,
                "factors": [[factor[key] for key in FACTOR_KEYS] for factor in factors],
            }
            for partner, (score, grade, factors, total) in results.items()
        ]
        self.env.execute_query(
            SQL(
                """
            INSERT INTO credit_risk_score (partner_id, company_id, date, score,
                   grade_id, exposure, factors)
            SELECT r.partner_id, r.company_id, r.date, r.score, r.grade_id,
                   r.exposure, r.factors
              FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(partner_id int,
                   company_id int, date date, score int, grade_id int,
                   exposure numeric, factors jsonb)
            ON CONFLICT (partner_id, company_id) DO UPDATE
               SET date = EXCLUDED.date, score = EXCLUDED.score,
                   grade_id = EXCLUDED.grade_id, exposure = EXCLUDED.exposure,
                   factors = EXCLUDED.factors
                """,
                rows=json.dumps(rows),
            )
        )
        Score.invalidate_model()
        self.env["credit.risk.score.line"].invalidate_model()

    def _credit_apply_scores(self, score_by_partner):
        """Write score and effective grade on the partners of the current
        company. Scores and first grades go in one UPDATE (both fields are
        company-dependent: JSON objects keyed by company id, and nothing
        depends on them); a grade that changes is written through the ORM,
        grouped by grade, so that the change is tracked in the chatter."""
        partner_ids, scores, grade_ids, first_grades = [], [], [], []
        changed_grades = {}
        for partner in self:
            score, computed_grade = score_by_partner[partner.id]
            grade = partner.credit_grade_override_id or computed_grade
            # The first grade a customer gets is not a change worth a message.
            first_grade = not partner.credit_risk_grade_id
            if grade != partner.credit_risk_grade_id and not first_grade:
                changed_grades.setdefault(grade.id, []).append(partner.id)
            partner_ids.append(partner.id)
            scores.append(score)
            grade_ids.append(grade.id or None)
            first_grades.append(first_grade)
        if partner_ids:
            self.env.flush_all()
            # Rows whose score is the same and that get no first grade are
            # left alone: most of a nightly recompute changes nothing.
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE res_partner partner
                       SET credit_risk_score = COALESCE(partner.credit_risk_score, '{}')
                               || jsonb_build_object(%(company)s, data.score),
                           credit_risk_grade_id = CASE
                               WHEN NOT data.first_grade OR data.grade_id IS NULL
                               THEN partner.credit_risk_grade_id
                               ELSE COALESCE(partner.credit_risk_grade_id, '{}')
                                    || jsonb_build_object(%(company)s, data.grade_id)
                               END
                      FROM unnest(%(partner_ids)s::int[], %(scores)s::int[],
                                  %(grade_ids)s::int[], %(first_grades)s::bool[])
                           AS data(partner_id, score, grade_id, first_grade)
                     WHERE partner.id = data.partner_id
                       AND (partner.credit_risk_score -> %(company)s
                                IS DISTINCT FROM to_jsonb(data.score)
                            OR (data.first_grade AND data.grade_id IS NOT NULL))
                    """,
                    company=str(self.env.company.id),
                    partner_ids=partner_ids,
                    scores=scores,
                    grade_ids=grade_ids,
                    first_grades=first_grades,
                )
            )
            self.invalidate_model(["credit_risk_score", "credit_risk_grade_id"])
        for grade_id, ids in changed_grades.items():
            self.sudo().browse(ids).write({"credit_risk_grade_id": grade_id})

    def _credit_expire_grade_overrides(self):
        """Drop the grade overrides of ``self`` that ended before today."""
        today = fields.Date.context_today(self)
        expired = self.filtered(
            lambda p: p.credit_grade_override_id
            and p.credit_grade_override_date_end
            and p.credit_grade_override_date_end < today
        )
        for partner in expired:
            partner.sudo().message_post(
                body=self.env._(
                    "The override of the risk grade to %(grade)s ended on %(date)s "
                    "(%(company)s).",
                    grade=partner.credit_grade_override_id.display_name,
                    date=partner.credit_grade_override_date_end,
                    company=self.env.company.name,
                )
            )
        expired._credit_clear_grade_override()
        return expired

    def _credit_clear_grade_override(self):
        self.sudo().write(
            {
                "credit_grade_override_id": False,
                "credit_grade_override_reason": False,
                "credit_grade_override_date_end": False,
            }
        )

    @api.model
    def _credit_risk_batch_size(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("credit_collection.risk_batch_size", RISK_BATCH_SIZE)
        )

    @api.model
    def _credit_partners_to_score(self, today):
        """Commercial customers invoiced in each company whose score there
        was not computed ``today``, in one query for all companies:
        {company id: [partner ids]}."""
        return dict(
            self.env.execute_query(
                SQL(
                    """
            SELECT m.company_id,
                   array_agg(DISTINCT m.commercial_partner_id
                             ORDER BY m.commercial_partner_id)
              FROM account_move m
             WHERE m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND NOT EXISTS (
                   SELECT 1 FROM credit_risk_score s
                    WHERE s.partner_id = m.commercial_partner_id
                      AND s.company_id = m.company_id
                      AND s.date >= %(today)s)
          GROUP BY m.company_id
                    """,
                    today=today,
                )
            )
        )

    @api.model
    def _cron_credit_compute_risk(self):
        """Nightly: recompute scores and grades, one bounded batch per call;
        the cron framework commits and calls again while work remains."""
        self = self.sudo()
        self.env["account.move"].flush_model()
        self.env["credit.risk.score"].flush_model()
        batch_size = self._credit_risk_batch_size()
        to_score = self._credit_partners_to_score(fields.Date.context_today(self))
        # Companies are few: each batch for one of them.
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        done = 0
        remaining = 0
        for company in companies:
            ids = to_score.get(company.id, [])
            if not done and ids:
                batch = self.with_company(company).browse(ids[:batch_size])
                batch._credit_compute_risk()
                done = len(batch)
                remaining += len(ids) - done
            else:
                remaining += len(ids)
        notify_cron_progress(self.env, done, remaining)
        return done, remaining

    @api.model
    def _credit_user_reads_figures(self):
        """Whether the current user may read customers' credit figures."""
        return self.env.user.has_groups(CREDIT_FIGURES_GROUPS)

    def _credit_hold_sentence(self, with_reason=True):
        """What the messages say of a customer on credit hold (its reason
        only to who may read credit data)."""
        self.ensure_one()
        if not with_reason:
            return self.env._(
                "%(partner)s is on credit hold.", partner=self.display_name
            )
        return self.env._(
            "%(partner)s is on credit hold: %(reason)s",
            partner=self.display_name,
            reason=self.credit_hold_reason or "",
        )

    def _credit_check_message(self, amount=0.0, with_figures=True):
        """Problems a new document of ``amount`` (company currency) raises for
        this customer in the current company: a list of sentences, empty when
        the customer may get more credit. Without ``with_figures`` the
        sentences name the problem only (no limit, exposure or hold reason),
        for users who may not read credit data."""
        self.ensure_one()
        partner = self.commercial_partner_id
        # Exposure is computed, not stored: documents posted or confirmed
        # earlier in this transaction must count, so never reuse the cache.
        partner.invalidate_recordset(
            [
                name
                for name, field in self._fields.items()
                if field.compute == "_compute_credit_exposure"
            ]
        )
        company = self.env.company
        currency = company.currency_id

        def money(amount):
            return formatLang(self.env, amount, currency_obj=currency)

        problems = []
        if partner.credit_hold:
            problems.append(partner._credit_hold_sentence(with_figures))
        limit = partner._credit_get_limit() if company.account_use_credit_limit else 0
        projected = partner.credit_exposure + amount
        over_limit = limit and currency.compare_amounts(projected, limit) > 0
        if over_limit and not with_figures:
            problems.append(
                self.env._(
                    "%(partner)s would exceed its credit limit.",
                    partner=partner.display_name,
                )
            )
        elif over_limit:
            problems.append(
                self.env._(
                    "%(partner)s would exceed its credit limit of %(limit)s: "
                    "exposure %(exposure)s, overdue %(overdue)s.",
                    partner=partner.display_name,
                    limit=money(limit),
                    exposure=money(projected),
                    overdue=money(partner.credit_overdue),
                )
            )
        elif problems and with_figures:
            problems.append(
                self.env._(
                    "Limit %(limit)s, exposure %(exposure)s, overdue %(overdue)s.",
                    limit=money(limit),
                    exposure=money(projected),
                    overdue=money(partner.credit_overdue),
                )
            )
        return problems

    def _compute_credit_counts(self):
        def count(model):
            return dict(
                self.env[model]._read_group(
                    [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
                )
            )

        notices = count("credit.notice")
        promises = count("credit.promise")
        disputes = count("credit.dispute")
        for partner in self:
            partner.credit_notice_count = notices.get(partner, 0)
            partner.credit_promise_count = promises.get(partner, 0)
            partner.credit_dispute_count = disputes.get(partner, 0)

    def action_credit_view_notices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_notice_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_credit_view_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_promise_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_credit_view_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_dispute_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        return action

    def _credit_grade_scenario(self):
        """The dunning scenario of the customer's risk grade (in the current
        company), if any."""
        self.ensure_one()
        return self.credit_risk_grade_id.scenario_id

    def _credit_resolve_scenarios(self, company):
        """Scenario of each customer in ``company``: its own, else its risk
        grade's, else one matching its tags, else the company default.
        Returns a dict partner id -> scenario (possibly empty)."""
        partners = self.with_company(company)
        tagged_scenarios = self.env["credit.dunning.scenario"].search(
            [
                ("partner_category_ids", "!=", False),
                ("company_id", "in", [company.id, False]),
            ]
        )
        default = company.credit_default_scenario_id
        result = {}
        for partner in partners:
            scenario = partner.credit_scenario_id or partner._credit_grade_scenario()
            if not scenario and partner.category_id:
                scenario = tagged_scenarios.filtered(
                    lambda s, tags=partner.category_id: s.partner_category_ids & tags
                )[:1]
            result[partner.id] = scenario or default
        return result

    def _credit_contact(self):
        """Who a notice is addressed to (greeting, language): the first of
        the customer's email recipients, else the customer itself."""
        self.ensure_one()
        return self._credit_email_recipients()[:1] or self

    def _credit_email_recipients(self):
        """The one rule of who receives the customer's collection emails:
        its billing contacts (invoice addresses with an email that does not
        bounce), else the customer when its email does not bounce; empty
        when nobody can be emailed."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        billing = commercial.child_ids.filtered(
            lambda child: child.type == "invoice"
            and child.email
            and not child.message_bounce
        )
        return billing or commercial.filtered(
            lambda partner: partner.email and not partner.message_bounce
        )

    def _credit_invoice_address(self):
        """Where the customer's letters go: its invoice address, else the
        customer itself."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        return (
            commercial.child_ids.filtered(lambda child: child.type == "invoice")[:1]
            or commercial
        )

    def _credit_collector(self, fallback_user=None):
        """Who signs the customer's letters and calls it: its collector, else
        its salesperson, else the given user, else the company's collections
        user; the first of them who is a person (never OdooBot, the user
        running the job or a portal user). Empty when none is set: the
        notices needing a signature or a call then wait for validation."""
        self.ensure_one()
        # Also for whoever acts for the customer (portal): the collector is
        # credit data, read as superuser.
        partner = self.sudo()
        candidates = (
            partner.credit_collector_id,
            partner.user_id,
            fallback_user or self.env["res.users"],
            partner.env.company.credit_fallback_user_id,
        )
        user = next(
            (user for user in candidates if user._credit_is_person()),
            self.env["res.users"],
        )
        return user.with_env(self.env)

    def _credit_customer_number(self):
        """The customer number printed on letters: the customer's reference
        (never the database id). Read only: printing writes nothing."""
        self.ensure_one()
        return self.commercial_partner_id.sudo().ref or False

    def _credit_assign_customer_numbers(self):
        """Give the customers without reference one from the
        ``credit.customer.ref`` sequence, kept as their reference: done by
        the engine when their first notice (or statement) is created, never
        while a letter is rendered."""
        missing = self.commercial_partner_id.sudo().filtered(lambda p: not p.ref)
        if not missing:
            return
        numbers = self.env["ir.sequence"]._credit_next_by_code_batch(
            "credit.customer.ref", self.env.company, len(missing)
        )
        # Each write syncs the partner's contacts (Odoo's
        # _commercial_sync_to_children reads their contacts and users): read
        # them for all the partners at once, not two queries per partner.
        missing.child_ids.mapped("child_ids")
        missing.child_ids.mapped("user_ids")
        for partner, number in zip(missing, numbers, strict=True):
            partner.ref = number

    def _credit_reset_level_if_nothing_due(self):
        """Customers of the current company with nothing overdue go back to no
        level, so that their next late invoice starts from the first step."""
        company = self.env.company
        today = fields.Date.context_today(self)
        still_due = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", self.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", today),
                ("move_id.payment_state", "in", OPEN_PAYMENT_STATES),
            ],
            ["partner_id"],
        )
        due_partners = self.browse()
        for (partner,) in still_due:
            due_partners |= partner.commercial_partner_id
        # Bookkeeping of the engine, done for whoever registered the payment
        # (who may not read dunning levels).
        (self - due_partners).sudo().filtered("credit_level_id").credit_level_id = False

    def _credit_get_debtor_type(self):
        """'business' or 'consumer', read on the commercial partner."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if partner.credit_debtor_type in ("business", "consumer"):
            return partner.credit_debtor_type
        return "business" if partner.is_company else "consumer"

    # ------------------------------------------------------------------
    # Statement of account
    # ------------------------------------------------------------------
    credit_statement_contact_id = fields.Many2one(
        "res.partner",
        string="Statement Recipient",
        compute="_compute_credit_statement_contact_id",
        help="The invoicing contact of the customer, else the customer.",
    )

    def _compute_credit_statement_contact_id(self):
        for partner in self:
            partner.credit_statement_contact_id = (
                partner._credit_contact() if partner.id else partner
            )

    def action_credit_send_statement(self):
        """Open the email composer with the statement of account of each
        selected customer attached: one email per customer."""
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can send statements of account.")
            )
        customers = self.commercial_partner_id
        customers._credit_assign_customer_numbers()
        template = self.env.ref("credit_collection.mail_template_credit_statement")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": customers.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment"
                if len(customers) == 1
                else "mass_mail",
                "default_email_layout_xmlid": EMAIL_LAYOUT,
            },
        }


class ResPartnerPaymentPlan(models.Model):
    """Payment plans of a customer: smart button, wizard, and broken plans
    counting in the risk score like broken promises."""

    # Merged into ResPartner by the restructuring of res_partner (#18 item 1).
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    credit_payment_plan_count = fields.Integer(
        compute="_compute_credit_payment_plan_count", groups=CONTROLLER
    )

    def _compute_credit_payment_plan_count(self):
        counts = dict(
            self.env["credit.payment.plan"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.credit_payment_plan_count = counts.get(
                partner.commercial_partner_id, 0
            )

    def action_credit_view_payment_plans(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_payment_plan_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    def action_credit_new_payment_plan(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_collection.credit_payment_plan_wizard_action"
        )
        action["context"] = {
            "active_model": "res.partner",
            "active_id": self.id,
            "active_ids": self.ids,
        }
        return action

    def _credit_risk_broken_promises(self, company):
        # EXTENDS: a payment plan broken in the last 12 months is a broken
        # promise too.
        counts = super()._credit_risk_broken_promises(company)
        since = fields.Date.context_today(self) - relativedelta(months=HISTORY_MONTHS)
        groups = (
            self.env["credit.payment.plan"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", self.ids),
                    ("state", "=", "broken"),
                    ("date_broken", ">=", since),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner, count in groups:
            key = partner.commercial_partner_id.id
            counts[key] = counts.get(key, 0) + count
        return counts
