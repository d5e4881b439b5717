from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.credit_collection.tools import late_interest


class CreditInterestRate(models.Model):
    """A reference rate for one half-year (1 January or 1 July): the ECB main
    refinancing rate in force on that day, the French legal rate fixed for
    the half-year, or the German base rate (Basiszinssatz).

    Rates without a company are shared; a company's own rate for the same
    type and half-year takes precedence."""

    _name = "credit.interest.rate"
    _description = "Reference Interest Rate"
    _order = "rate_type, date_from desc, company_id"
    _check_company_auto = True

    rate_type = fields.Selection(
        selection=[
            (late_interest.RATE_ECB_MRO, "ECB main refinancing rate"),
            (
                late_interest.RATE_FR_LEGAL_OTHER,
                "FR legal rate - professional creditor (other cases)",
            ),
            (
                late_interest.RATE_FR_LEGAL_PRIVATE,
                "FR legal rate - private-person creditor",
            ),
            (late_interest.RATE_DE_BASE, "DE base rate (Basiszinssatz)"),
        ],
        required=True,
        index=True,
    )
    date_from = fields.Date(
        string="Half-Year Start",
        required=True,
        help="1 January or 1 July: the rate applies to the whole half-year.",
    )
    rate = fields.Float(
        string="Rate (%)",
        required=True,
        digits=(16, 4),
        # Rates of several half-years do not add up: grouped lists show none.
        aggregator=None,
        help="Annual rate in percent, before any statutory margin.",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the rate between all companies.",
    )
    note = fields.Char(help="Source of the figure, e.g. the official publication.")

    @api.depends("rate_type", "date_from")
    def _compute_display_name(self):
        labels = dict(self._fields["rate_type"]._description_selection(self.env))
        for rate in self:
            period = (
                late_interest.half_year_label(rate.date_from) if rate.date_from else ""
            )
            rate.display_name = f"{labels.get(rate.rate_type, '')} {period}".strip()

    @api.constrains("date_from")
    def _check_date_from(self):
        for rate in self:
            if late_interest.half_year_start(rate.date_from) != rate.date_from:
                raise ValidationError(
                    self.env._(
                        "A reference rate applies to a half-year: it must start "
                        "on 1 January or 1 July, not on %(date)s.",
                        date=rate.date_from,
                    )
                )

    @api.constrains("rate_type", "date_from", "company_id")
    def _check_unique_period(self):
        for rate in self:
            duplicates = self.search_count(
                [
                    ("id", "!=", rate.id),
                    ("rate_type", "=", rate.rate_type),
                    ("date_from", "=", rate.date_from),
                    ("company_id", "=", rate.company_id.id),
                ]
            )
            if duplicates:
                raise ValidationError(
                    self.env._(
                        "There is already a rate %(rate)s.", rate=rate.display_name
                    )
                )

    @api.model
    def _get_rate_table(self, company=None):
        """All rates visible to ``company`` as a pure-Python
        :class:`~odoo.addons.credit_collection.tools.late_interest.RateTable`
        (one query; the company's own rates override the shared ones)."""
        company = company or self.env.company
        records = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", [False, company.id])])
        )
        table = late_interest.RateTable()
        # Shared rates first, then the company's own overwrite them.
        for record in records.sorted(lambda r: bool(r.company_id)):
            table.set(record.rate_type, record.date_from, record.rate)
        return table

    @api.model
    def _missing_rate_message(self, rate_type, period_start):
        """What an administrator must add: the rate, its half-year and the
        menu where rates are entered."""
        labels = dict(self._fields["rate_type"]._description_selection(self.env))
        return self.env._(
            "The %(rate)s for %(period)s (from %(date)s) is missing. "
            "Add it in Accounting > Configuration > Credit & Collections > "
            "Interest Rates.",
            rate=labels.get(rate_type, rate_type),
            period=late_interest.half_year_label(period_start),
            date=period_start,
        )

    @api.model
    def _raise_missing_rate(self, error):
        """Turn a :class:`MissingRateError` into a UserError an administrator
        can act on."""
        raise UserError(
            self._missing_rate_message(error.rate_type, error.period_start)
        ) from error

    @api.model
    def _credit_missing_current_rates(self, company, day):
        """Messages for the reference rates of ``day``'s half-year that the
        company's active scenarios claim and nobody entered yet: the
        dashboard shows them from the half-year's first day."""
        scenarios = self.env["credit.dunning.scenario"].search(
            [
                ("company_id", "in", [company.id, False]),
                ("interest_policy", "!=", "none"),
            ]
        )
        rate_types = set()
        for scenario in scenarios:
            for debtor_type in (late_interest.BUSINESS, late_interest.CONSUMER):
                rate_type, _runs_from = late_interest.reference_rate_type(
                    scenario.interest_policy,
                    scenario.interest_jurisdiction,
                    debtor_type,
                )
                if rate_type:
                    rate_types.add(rate_type)
        table = self._get_rate_table(company)
        period = late_interest.half_year_start(day)
        return [
            self._missing_rate_message(rate_type, period)
            for rate_type in sorted(rate_types)
            if not table.has(rate_type, period)
        ]
