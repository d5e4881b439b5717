"""Fixed recovery indemnity and limitation periods (pure Python, no ORM).

* France: Code de commerce art. L441-10 II and D441-5: a business debtor
  paying late owes a fixed indemnity of 40 EUR per invoice for recovery
  costs, by operation of law. Never charged to a consumer: Code de la
  consommation art. L111-8 (the professional rules on payment terms do not
  apply to consumers).
* Germany: BGB section 288 (5): 40 EUR lump sum when the debtor is not a
  consumer.
* EU: Directive 2011/7/EU art. 6: at least 40 EUR, commercial transactions.

Limitation periods (prescription): 5 years between traders (Code de
commerce L110-4), 2 years for a professional's claim against a consumer
(Code de la consommation L218-2), both counted here from the due date.
"""

from datetime import date
from decimal import Decimal

from .late_interest import BUSINESS, CONSUMER, InvalidAmountError, to_decimal

DEFAULT_INDEMNITY_EUR = {
    "FR": Decimal(40),
    "DE": Decimal(40),
    "EU": Decimal(40),
}

LIMITATION_YEARS = {BUSINESS: 5, CONSUMER: 2}
LIMITATION_WARNING_MONTHS = 6


def default_indemnity(jurisdiction):
    """Statutory amount in EUR for ``jurisdiction`` (0 when none)."""
    return DEFAULT_INDEMNITY_EUR.get(jurisdiction, Decimal(0))


def recovery_indemnity(debtor_type, jurisdiction, amount=None):
    """Indemnity owed for one late invoice: ``amount`` (or the statutory
    default of the jurisdiction) for a business debtor, 0 for a consumer."""
    if debtor_type == CONSUMER:
        return Decimal(0)
    if debtor_type != BUSINESS:
        raise ValueError(f"Unknown debtor type {debtor_type!r}")
    if amount is None:
        return default_indemnity(jurisdiction)
    amount = to_decimal(amount)
    if amount < 0:
        raise InvalidAmountError(f"An indemnity cannot be negative: {amount}")
    return amount


def add_years(day, years):
    """Same day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def limitation_date(due_date, debtor_type):
    """Last day on which the claim can still be brought to court: the day of
    the due date is not counted and the period ends with its last day
    (Code civil 2228, 2229), i.e. the anniversary of the due date."""
    return add_years(due_date, LIMITATION_YEARS[debtor_type])


def limitation_warning(limit_date, today, months=LIMITATION_WARNING_MONTHS):
    """True when the limitation date is within ``months`` months (or past)."""
    return limit_date <= add_months(today, months)
