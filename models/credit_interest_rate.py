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
    def _raise_missing_rate(self, error):
        """Turn a :class:`MissingRateError` into a UserError an administrator
        can act on."""
        labels = dict(self._fields["rate_type"]._description_selection(self.env))
        raise UserError(
            self.env._(
                "The %(rate)s for %(period)s (from %(date)s) is missing. "
                "Add it in Accounting > Configuration > Credit & Collections > "
                "Interest Rates.",
                rate=labels.get(error.rate_type, error.rate_type),
                period=late_interest.half_year_label(error.period_start),
                date=error.period_start,
            )
        ) from error
