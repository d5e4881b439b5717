import logging
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import group_members
from ..tools import late_interest, reference_rates

_logger = logging.getLogger(__name__)

# Official publishers of the reference rates with a machine-readable series
# (SDMX-CSV); a system parameter ``credit_collection.rate_url.<type>``
# replaces the address if a publisher moves its series. The French legal
# rate (arrêté of the Ministry of the Economy, Journal officiel) has no
# machine-readable series: it is entered by hand.
RATE_SOURCES = {
    late_interest.RATE_ECB_MRO: {
        "publisher": "ECB Data Portal, FM.D.U2.EUR.4F.KR.MRR_FR.LEV",
        "url": "https://data-api.ecb.europa.eu/service/data/FM/"
        "D.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata&detail=dataonly",
    },
    late_interest.RATE_DE_BASE: {
        "publisher": "Deutsche Bundesbank, BBIN1.M.DE.BBK.BBKBAS2.EUR.ME (SU0115)",
        "url": "https://api.statistiken.bundesbank.de/rest/data/BBIN1/"
        "M.DE.BBK.BBKBAS2.EUR.ME",
    },
}
SDMX_CSV = "application/vnd.sdmx.data+csv;version=1.0.0"
RATE_FETCH_TIMEOUT = 20
# Half-years the import fills: the current one and the three before.
RATE_IMPORT_HALF_YEARS = 4


class CreditInterestRate(models.Model):
    """A reference rate for one half-year (1 January or 1 July): the ECB main
    refinancing rate in force on that day, the French legal rate fixed for
    the half-year, or the German base rate (Basiszinssatz).

    Rates without a company are shared; a company's own rate for the same
    type and half-year takes precedence."""

    _name = "credit.interest.rate"
    _description = "Reference Interest Rate"
    # The managers' to-do "rates missing" hangs on the rate table.
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
    imported = fields.Boolean(
        readonly=True,
        help="Created by the scheduled import from the publisher's series; "
        "the import never changes a rate that exists.",
    )

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

    # ------------------------------------------------------------------
    # Import from the publishers
    # ------------------------------------------------------------------
    @api.model
    def _cron_import_reference_rates(self):
        """Scheduled action: fetch each publisher's series, create the
        half-years' rates nobody entered yet, then remind the managers of
        the rates still missing. Unreachable: logged, nothing changes."""
        responses = {}
        params = self.env["ir.config_parameter"].sudo()
        for rate_type, source in RATE_SOURCES.items():
            url = (
                params.get_param(f"credit_collection.rate_url.{rate_type}")
                or (source["url"])
            )
            try:
                response = requests.get(
                    url, headers={"Accept": SDMX_CSV}, timeout=RATE_FETCH_TIMEOUT
                )
                response.raise_for_status()
            except requests.RequestException as error:
                _logger.warning(
                    "Reference rates: %s not reachable (%s); no rate imported.",
                    url,
                    error,
                )
                continue
            responses[rate_type] = response.text
        today = fields.Date.context_today(self)
        self._credit_import_rates(responses, today)
        self._credit_remind_missing_rates(today)

    @api.model
    def _credit_import_rates(self, responses, today):
        """Create the shared rates of ``responses`` (``{rate type: SDMX-CSV
        text}``) for the recent half-years that have none: a rate that
        exists (entered by hand, delivered or imported) is never changed.
        A response that is not the expected series is logged and skipped.
        Returns the rates created."""
        since = late_interest.half_year_start(today)
        for _index in range(RATE_IMPORT_HALF_YEARS - 1):
            since = late_interest.half_year_start(since - timedelta(days=1))
        vals_list = []
        for rate_type, text in responses.items():
            try:
                rates = reference_rates.half_year_rates(
                    reference_rates.parse_sdmx_csv(text), since, today
                )
            except reference_rates.RateSourceError as error:
                _logger.warning(
                    "Reference rates: the %s series could not be read (%s); "
                    "no rate imported.",
                    rate_type,
                    error,
                )
                continue
            existing = set(
                self.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("rate_type", "=", rate_type),
                        ("company_id", "=", False),
                        ("date_from", "in", list(rates)),
                    ]
                )
                .mapped("date_from")
            )
            publisher = RATE_SOURCES[rate_type]["publisher"]
            vals_list += [
                {
                    "rate_type": rate_type,
                    "date_from": start,
                    "rate": float(rate),
                    "imported": True,
                    "note": self.env._(
                        "Imported on %(date)s from %(publisher)s",
                        date=today,
                        publisher=publisher,
                    ),
                }
                for start, rate in sorted(rates.items())
                if start not in existing
            ]
        created = self.sudo().create(vals_list)
        for rate in created:
            _logger.info(
                "Reference rates: imported %s = %s", rate.display_name, rate.rate
            )
        return created

    @api.model
    def _credit_remind_missing_rates(self, today):
        """From the first day of a half-year without the rates the
        companies' scenarios need, each Credit Manager of the company gets
        one to-do, once per half-year (the company remembers it)."""
        period = late_interest.half_year_start(today)
        managers = group_members(self.env.ref("credit_collection.group_credit_manager"))
        companies = self.env["res.company"].search(
            [
                "|",
                ("credit_rates_reminded_on", "=", False),
                ("credit_rates_reminded_on", "<", period),
            ]
        )
        for company in companies:
            missing = self._credit_missing_current_rates(company, today)
            if not missing:
                continue
            users = managers.filtered(
                lambda user, c=company: user._credit_is_person()
                and c in user.company_ids
            )
            anchor = self.sudo().search(
                [("company_id", "in", [False, company.id])],
                order="date_from desc, id desc",
                limit=1,
            )
            if not anchor:
                continue
            summary = self.env._(
                "Reference rates missing for %(period)s (%(company)s)",
                period=late_interest.half_year_label(period),
                company=company.name,
            )
            for user in users:
                anchor.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=today,
                    summary=summary,
                    note=" ".join(missing),
                    user_id=user.id,
                )
            company.sudo().credit_rates_reminded_on = period
