from odoo import api, fields, models
from odoo.tools import SQL, formatLang


class CreditExposure(models.AbstractModel):
    """What a customer owes and may still owe the company: open receivables,
    draft invoices and orders to invoice, against its applicable limit. The
    one computation of exposure, read by the partner's figures, the credit
    check of orders and invoices, and the risk score."""

    _name = "credit.exposure"
    _description = "Credit Exposure"

    @api.model
    def _credit_figures(self, partners, company):
        """The credit figures of the commercial partners ``partners`` in
        ``company`` (company currency), computed now (never from a cache:
        documents posted or confirmed earlier in this transaction count):
        {partner_id: {receivable, draft, order, exposure, overdue, limit,
        available, over_limit, cover, insured, uninsured}}."""
        currency = company.currency_id
        data = self._credit_exposure_data(partners, company)
        covers = self._credit_cover_amounts(partners, company)
        result = {}
        for partner in partners.with_company(company):
            values = data.get(partner.id, {})
            receivable = values.get("receivable", 0.0)
            draft = values.get("draft", 0.0)
            order = values.get("order", 0.0)
            exposure = currency.round(receivable + draft + order)
            limit = self._credit_limit(partner)
            result[partner.id] = {
                "receivable": receivable,
                "draft": draft,
                "order": order,
                "exposure": exposure,
                "overdue": values.get("overdue", 0.0),
                "limit": limit,
                "available": limit - exposure if limit else 0.0,
                "over_limit": bool(limit)
                and currency.compare_amounts(exposure, limit) > 0,
                **self._credit_insured_split(
                    exposure, *covers.get(partner.id, (0.0, 0.0)), currency
                ),
            }
        return result

    @api.model
    def _credit_uninsured_problems(self, partner, company, projected, with_figures):
        """The cover check: under a policy with *Credit Check on Cover*, an
        exposure of ``projected`` (company currency) above the customer's
        granted cover (none once cancelled, refused or expired) is a problem
        like the credit limit."""
        cover = (
            self.env["credit.insurance.cover"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("policy_id.check_cover", "=", True),
                ],
                limit=1,
            )
        )
        if not cover:
            return []
        currency = company.currency_id
        granted, _coverage = self._credit_cover_amounts(partner, company).get(
            partner.id, (0.0, 0.0)
        )
        if currency.compare_amounts(projected, granted) <= 0:
            return []
        if not with_figures:
            return [
                self.env._(
                    "%(partner)s would exceed its credit insurance cover.",
                    partner=partner.display_name,
                )
            ]
        return [
            self.env._(
                "%(partner)s would exceed its credit insurance cover of "
                "%(cover)s: exposure %(exposure)s, %(uninsured)s uninsured.",
                partner=partner.display_name,
                cover=formatLang(self.env, granted, currency_obj=currency),
                exposure=formatLang(self.env, projected, currency_obj=currency),
                uninsured=formatLang(
                    self.env, projected - granted, currency_obj=currency
                ),
            )
        ]

    @api.model
    def _credit_insured_split(self, exposure, cover, coverage_percent, currency):
        """The insurance figures of an exposure under a granted ``cover``
        (company currency): the insurer pays ``coverage_percent`` of the
        exposure up to the cover; what is above the cover is uninsured."""
        covered = min(max(exposure, 0.0), cover)
        return {
            "cover": cover,
            "insured": currency.round(covered * coverage_percent / 100.0),
            "uninsured": currency.round(max(exposure - cover, 0.0)),
        }

    @api.model
    def _credit_cover_amounts(self, partners, company):
        """{partner_id: (granted cover in company currency, coverage %)} of
        the commercial ``partners`` with a cover in force today."""
        today = fields.Date.context_today(self)
        covers = (
            self.env["credit.insurance.cover"]
            .sudo()
            ._credit_current_covers(partners, company, today)
        )
        return {
            partner_id: (
                cover.currency_id._convert(
                    cover.granted_amount, company.currency_id, company, today
                ),
                cover.policy_id.coverage_percent,
            )
            for partner_id, cover in covers.items()
        }

    @api.model
    def _credit_check_problems(self, partner, amount=0.0, with_figures=True):
        """Problems a new document of ``amount`` (company currency) raises for
        the customer ``partner`` in the current company: a list of sentences,
        empty when the customer may get more credit. Without ``with_figures``
        the sentences name the problem only (no limit, exposure or hold
        reason), for users who may not read credit data."""
        partner.ensure_one()
        partner = partner.commercial_partner_id
        company = self.env.company
        currency = company.currency_id
        # Computed now: documents posted or confirmed earlier in this
        # transaction count.
        figures = self._credit_figures(partner, company)[partner.id]

        def money(amount):
            return formatLang(self.env, amount, currency_obj=currency)

        problems = []
        if partner.credit_hold:
            problems.append(self._credit_hold_sentence(partner, with_figures))
        limit = figures["limit"] if company.account_use_credit_limit else 0
        projected = figures["exposure"] + amount
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
                    overdue=money(figures["overdue"]),
                )
            )
        elif problems and with_figures:
            problems.append(
                self.env._(
                    "Limit %(limit)s, exposure %(exposure)s, overdue %(overdue)s.",
                    limit=money(limit),
                    exposure=money(projected),
                    overdue=money(figures["overdue"]),
                )
            )
        problems += self._credit_uninsured_problems(
            partner, company, projected, with_figures
        )
        return problems

    @api.model
    def _credit_limit(self, partner):
        """Credit limit of ``partner`` that applies in its company: the
        partner's (or the company default) capped by the maximum of its
        grade; 0 = none."""
        partner.ensure_one()
        limit = partner.credit_limit or 0.0
        cap = partner.credit_risk_grade_id.max_credit_limit
        if cap:
            limit = min(limit, cap) if limit else cap
        return limit

    @api.model
    def _credit_hold_sentence(self, partner, with_reason=True):
        """What the messages say of a customer on credit hold (its reason
        only to who may read credit data)."""
        partner.ensure_one()
        if not with_reason:
            return self.env._(
                "%(partner)s is on credit hold.", partner=partner.display_name
            )
        return self.env._(
            "%(partner)s is on credit hold: %(reason)s",
            partner=partner.display_name,
            reason=partner.credit_hold_reason or "",
        )

    @api.model
    def _credit_exposure_data(self, partners, company):
        """Exposure of the commercial partners ``partners`` in ``company``, in the
        company currency: {partner_id: {receivable, overdue, draft, order}}.

        A fixed number of queries whatever the number of partners (one per
        foreign currency of open orders at most)."""
        partner_ids = tuple(partners.ids)
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
