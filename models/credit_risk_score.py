import json
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..compat import Constraint, notify_cron_progress
from ..tools.risk_scoring import FACTOR_KEYS, PartnerStats, compute_score

# Customers scored per batch of the nightly recompute: each batch scans the
# year's receivable lines once, so fewer, larger batches cost less.
RISK_BATCH_SIZE = 20000
RISK_PARTNER_FIELDS = [
    "credit_limit",
    "credit_risk_grade_id",
    "credit_grade_override_id",
    "credit_grade_override_date_end",
]
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


class CreditRiskScore(models.Model):
    """The last risk score of one customer in one company, kept with the
    factors that explain it (one JSON list, shown as factor rows by the
    factor view ``credit.risk.score.line``), and the risk engine that
    computes it: the nightly recompute, a customer's *Recompute Now*, and
    the score and grade written on the customer."""

    _name = "credit.risk.score"
    _description = "Credit Risk Score"
    _order = "score, id"
    _check_company_auto = True
    _rec_name = "partner_id"
    # The engine's rows, rewritten every night for every customer: ``date``
    # says when; author and write stamps would only cost two foreign-key
    # checks per row.
    _log_access = False

    # Looked up through the unique (partner, company) index.
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="Computed On", required=True)
    score = fields.Integer(aggregator="avg")
    grade_id = fields.Many2one(
        "credit.risk.grade",
        string="Computed Grade",
        help="Grade that matches the score, before any manual override.",
    )
    exposure = fields.Monetary(
        string="Exposure at Computation", currency_field="currency_id"
    )
    factors = fields.Json(
        string="Factor Data",
        readonly=True,
        help="The factors of the score as computed: [code, value, weight, "
        "points taken, trend] for each.",
    )
    factor_ids = fields.One2many(
        "credit.risk.score.line", "score_id", string="Factors", readonly=True
    )
    summary = fields.Char(compute="_compute_summary")

    _partner_company_unique = Constraint(
        "unique(partner_id, company_id)",
        "A customer has one risk score per company.",
    )

    # === COMPUTE METHODS === #

    @api.depends("factor_ids.reason", "factor_ids.points")
    def _compute_summary(self):
        for score in self:
            factors = score.factor_ids.filtered("points").sorted("points", reverse=True)
            score.summary = "; ".join(factors[:3].mapped("reason"))

    # === BUSINESS METHODS: the risk engine === #

    @api.model
    def _credit_batch_size(self):
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
    def _cron_compute_scores(self):
        """Nightly: recompute scores and grades, one bounded batch per call;
        the cron framework commits and calls again while work remains."""
        self = self.sudo()
        self.env["account.move"].flush_model()
        self.flush_model()
        batch_size = self._credit_batch_size()
        to_score = self._credit_partners_to_score(fields.Date.context_today(self))
        if self.env["credit.job.dispatch"]._credit_jobs_enabled():
            return self._credit_dispatch_scores(to_score, batch_size)
        # Companies are few: each batch for one of them.
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        done = 0
        remaining = 0
        for company in companies:
            ids = to_score.get(company.id, [])
            if not done and ids:
                partners = self.env["res.partner"].with_company(company)
                batch = partners.browse(ids[:batch_size])
                self._credit_compute_scores(batch)
                done = len(batch)
                remaining += len(ids) - done
            else:
                remaining += len(ids)
        notify_cron_progress(self.env, done, remaining)
        return done, remaining

    # === queue_job: the recompute cut into jobs (credit.job.dispatch) === #

    @api.model
    def _credit_dispatch_scores(self, to_score, batch_size):
        """One job per company and batch of customers to score, which the
        workers run in parallel. Returns ``(customers dispatched, 0)``."""
        description = self.env._("Credit & Collections: risk scores")
        for company_id, ids in to_score.items():
            for start in range(0, len(ids), batch_size):
                self.env["credit.job.dispatch"]._credit_delay(
                    self,
                    "_credit_job_compute_scores",
                    description,
                    args=(company_id, ids[start : start + batch_size]),
                )
        done = sum(len(ids) for ids in to_score.values())
        notify_cron_progress(self.env, done, 0)
        return done, 0

    @api.model
    def _credit_job_compute_scores(self, company_id, partner_ids):
        """Job: score these customers of the company, those not scored
        today yet (a job run again does not score them twice)."""
        self = self.sudo()
        self.env["account.move"].flush_model()
        self.flush_model()
        today = fields.Date.context_today(self)
        still = set(self._credit_partners_to_score(today).get(company_id, []))
        partners = (
            self.env["res.partner"]
            .with_company(company_id)
            .browse([pid for pid in partner_ids if pid in still])
        )
        if partners:
            self._credit_compute_scores(partners)
        return len(partners)

    @api.model
    def _credit_broken_promises(self, partners, company):
        """Number of promises to pay broken in the last 12 months, per
        commercial partner id; a payment plan broken in the last 12 months is
        a broken promise too."""
        since = fields.Date.context_today(self) - relativedelta(months=HISTORY_MONTHS)
        counts = {}
        for model, date_field in (
            ("credit.promise", "promise_date"),
            ("credit.payment.plan", "date_broken"),
        ):
            groups = (
                self.env[model]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "=", company.id),
                        ("partner_id", "in", partners.ids),
                        ("state", "=", "broken"),
                        (date_field, ">=", since),
                    ],
                    ["partner_id"],
                    ["__count"],
                )
            )
            for partner, count in groups:
                key = partner.commercial_partner_id.id
                counts[key] = counts.get(key, 0) + count
        return counts

    @api.model
    def _credit_open_disputes(self, partners, company):
        """Number of open disputes per commercial partner id."""
        groups = (
            self.env["credit.dispute"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", partners.ids),
                    ("state", "=", "open"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        return {partner.id: count for partner, count in groups}

    @api.model
    def _credit_payment_stats(self, partners, company):
        """Payment behaviour over the last 12 months of the commercial partners
        ``partners`` in ``company``, in one query:
        {partner_id: (count, late count, avg days late, recent avg, older avg)}.

        An invoice paid after its due date (or still open past it) is late by
        the days between the due date and the last reconciliation (or today)."""
        if not partners:
            return {}
        self.env["account.move.line"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        today = fields.Date.context_today(self)
        # The receivable accounts as ids, not a join on their type: the
        # planner then counts the lines from their own statistics (a join
        # made it expect a hundredth of them and probe the invoices and
        # partials one line at a time).
        receivable_accounts = (
            self.env["account.account"]
            .sudo()
            .with_context(active_test=False)
            .search([("account_type", "=", "asset_receivable")], order="id")
        )
        rows = self.env.execute_query(
            SQL(
                """
            WITH due AS MATERIALIZED (
                SELECT aml.id,
                       p.commercial_partner_id AS partner_id,
                       aml.date_maturity AS date_due,
                       aml.reconciled
                  FROM account_move_line aml
                  JOIN account_move m ON m.id = aml.move_id
                  JOIN res_partner p ON p.id = aml.partner_id
                 WHERE aml.account_id = ANY(%(accounts)s)
                   AND aml.parent_state = 'posted'
                   AND m.move_type = 'out_invoice'
                   AND aml.balance > 0
                   AND aml.company_id = %(company)s
                   AND aml.date_maturity > %(start)s
                   AND aml.date_maturity <= %(today)s
                   AND p.commercial_partner_id IN %(partners)s
            ),
            paid AS (
                SELECT apr.debit_move_id AS line_id, MAX(apr.max_date) AS date_paid
                  FROM account_partial_reconcile apr
                  JOIN due ON due.id = apr.debit_move_id AND due.reconciled
              GROUP BY apr.debit_move_id
            ),
            late AS (
                SELECT due.partner_id, due.date_due,
                       GREATEST(0, COALESCE(paid.date_paid, %(today)s)
                                   - due.date_due) AS days_late
                  FROM due
             LEFT JOIN paid ON paid.line_id = due.id
            )
            SELECT partner_id,
                   COUNT(*),
                   COUNT(*) FILTER (WHERE days_late > 0),
                   AVG(days_late),
                   AVG(days_late) FILTER (WHERE date_due > %(recent)s),
                   AVG(days_late) FILTER (WHERE date_due <= %(recent)s)
              FROM late
          GROUP BY partner_id
                """,
                accounts=receivable_accounts.ids,
                today=today,
                start=today - relativedelta(months=HISTORY_MONTHS),
                recent=today - timedelta(days=RECENT_DAYS),
                company=company.id,
                partners=tuple(partners.ids),
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

    @api.model
    def _credit_compute_scores(self, partners):
        """Recompute the risk score, factors and grade of the commercial
        partners of ``partners`` in their environment's company, set-based."""
        self = self.with_env(partners.env)
        company = self.env.company
        # Only the fields the score needs: tens of thousands of partners with
        # all their columns would cost more than the scoring itself.
        partners.fetch(["commercial_partner_id"])
        partners = partners.commercial_partner_id.filtered("id")
        if not partners:
            return
        partners.fetch(RISK_PARTNER_FIELDS)
        today = fields.Date.context_today(self)
        exposure = self.env["credit.exposure"]._credit_exposure_data(partners, company)
        payments = self._credit_payment_stats(partners, company)
        promises = self._credit_broken_promises(partners, company)
        disputes = self._credit_open_disputes(partners, company)
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
        # One tuple of plain values per customer (ids, numbers, the factors as
        # JSON text), which the garbage collector stops tracking: the batch's
        # results add nothing for its full collections to walk.
        rows = []
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
            factors = json.dumps(
                [[factor[key] for key in FACTOR_KEYS] for factor in factors]
            )
            rows.append((partner.id, score, grade.id or None, total, factors))
        self._credit_store_scores(company, today, rows)
        self._credit_apply_scores(partners, {row[0]: (row[1], row[2]) for row in rows})

    @api.model
    def _credit_store_scores(self, company, today, rows):
        """Upsert the scores with their factors in one query, whatever the
        number of partners. ``rows``: (partner id, score, grade id, exposure,
        factors as JSON text) per partner."""
        self.flush_model()
        partner_ids, scores, grade_ids, exposures, factors = zip(*rows, strict=True)
        self.env.execute_query(
            SQL(
                """
            INSERT INTO credit_risk_score (partner_id, company_id, date, score,
                   grade_id, exposure, factors)
            SELECT r.partner_id, %(company)s, %(today)s, r.score, r.grade_id,
                   r.exposure, r.factors
              FROM unnest(%(partner_ids)s::int[], %(scores)s::int[],
                          %(grade_ids)s::int[], %(exposures)s::numeric[],
                          %(factors)s::jsonb[])
                   AS r(partner_id, score, grade_id, exposure, factors)
            ON CONFLICT (partner_id, company_id) DO UPDATE
               SET date = EXCLUDED.date, score = EXCLUDED.score,
                   grade_id = EXCLUDED.grade_id, exposure = EXCLUDED.exposure,
                   factors = EXCLUDED.factors
                """,
                company=company.id,
                today=today,
                partner_ids=list(partner_ids),
                scores=list(scores),
                grade_ids=list(grade_ids),
                exposures=list(exposures),
                factors=list(factors),
            )
        )
        self.invalidate_model()
        self.env["credit.risk.score.line"].invalidate_model()

    @api.model
    def _credit_apply_scores(self, partners, score_by_partner):
        """Write score and effective grade on ``partners`` in the current
        company (``score_by_partner``: {partner id: (score, computed grade
        id)}). Scores and first grades go in one UPDATE (both fields are
        company-dependent: JSON objects keyed by company id, and nothing
        depends on them); a grade that changes is written through the ORM,
        grouped by grade, so that the change is tracked in the chatter."""
        partner_ids, scores, grade_ids, first_grades = [], [], [], []
        changed_grades = {}
        for partner in partners:
            score, computed_grade_id = score_by_partner[partner.id]
            grade_id = partner.credit_grade_override_id.id or computed_grade_id
            current_grade_id = partner.credit_risk_grade_id.id
            # The first grade a customer gets is not a change worth a message.
            first_grade = not current_grade_id
            if (grade_id or False) != current_grade_id and not first_grade:
                changed_grades.setdefault(grade_id or False, []).append(partner.id)
            partner_ids.append(partner.id)
            scores.append(score)
            grade_ids.append(grade_id or None)
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
            partners.invalidate_model(["credit_risk_score", "credit_risk_grade_id"])
        for grade_id, ids in changed_grades.items():
            partners.sudo().browse(ids).write({"credit_risk_grade_id": grade_id})
