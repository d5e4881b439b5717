"""Late payment interest calculators (pure Python, no ORM).

Simple interest, actual days / 365 (also in leap years), split at every
half-year (reference rates change on 1 January and 1 July) and at every
partial payment, rounded once at the end.

Day count convention: interest accrues for each day ``d`` with
``start < d <= end``. With ``start`` the due date and ``end`` the payment
date, 10,000.00 due 2025-05-15 and paid 2025-09-15 accrues 46 days in
H1 2025 (16 May - 30 June) and 77 days in H2 2025 (1 July - 15 September).
A payment made on day ``p`` still bears interest for day ``p``; the lower
base applies from ``p + 1``.

Statutory policies implemented (see :data:`STATUTORY_POLICIES`):

* France, business debtor -- Code de commerce art. L441-10 II: the rate of
  the European Central Bank's most recent main refinancing operation,
  plus 10 points; the rate in force on 1 January applies to the first
  half-year, the one in force on 1 July to the second. Interest is due
  from the day after the due date without any reminder; the base is the
  amount including VAT still due. A contractual rate may not be lower than
  three times the legal interest rate (same article).
* France, consumer debtor -- Code civil art. 1231-6 and 1344-1: interest at
  the legal rate (Code monetaire et financier L313-2, the rate "for all
  other cases" since the creditor is a business), due only from the formal
  notice (mise en demeure).
* Germany -- BGB section 288: base rate (Basiszinssatz, section 247 BGB,
  set on 1 January and 1 July) plus 9 points when no consumer is involved
  (section 288 (2)), plus 5 points with consumers (section 288 (1)), who
  are in default after a reminder (section 286 (1)).
* EU default -- Directive 2011/7/EU art. 2 (6) and (7): the reference
  rate (ECB main refinancing rate on the first day of the half-year) plus
  at least 8 points, for commercial transactions only (art. 1).
"""

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

DAYS_PER_YEAR = Decimal(365)
HUNDRED = Decimal(100)

# Rate types, shared with the ``credit.interest.rate`` model selection.
RATE_ECB_MRO = "ecb_mro"
RATE_FR_LEGAL_PRIVATE = "fr_legal_private"
RATE_FR_LEGAL_OTHER = "fr_legal_other"
RATE_DE_BASE = "de_base"
RATE_TYPES = (RATE_ECB_MRO, RATE_FR_LEGAL_PRIVATE, RATE_FR_LEGAL_OTHER, RATE_DE_BASE)

BUSINESS = "business"
CONSUMER = "consumer"

# Interest runs from the day after the due date, or from the formal notice.
FROM_DUE_DATE = "due_date"
FROM_NOTICE = "notice"

# Minimum multiple of the French legal rate for a contractual rate
# (Code de commerce art. L441-10 II).
FR_CONTRACTUAL_FLOOR_FACTOR = Decimal(3)


class LateInterestError(ValueError):
    """Base class of the calculator errors."""


class InvalidAmountError(LateInterestError):
    """A principal or payment amount is zero, negative or not a number."""


class InvalidPeriodError(LateInterestError):
    """Dates are missing or in the wrong order."""


class MissingRateError(LateInterestError):
    """No reference rate is known for a half-year: never computed as zero."""

    def __init__(self, rate_type, period_start):
        self.rate_type = rate_type
        self.period_start = period_start
        super().__init__(
            f"No {rate_type} rate for {half_year_label(period_start)} "
            f"(from {period_start.isoformat()})"
        )


class RateBelowFloorError(LateInterestError):
    """A French B2B contractual rate is below three times the legal rate."""

    def __init__(self, rate, floor, period_start):
        self.rate = rate
        self.floor = floor
        self.period_start = period_start
        super().__init__(
            f"Contractual rate {rate}% is below the legal floor {floor}% "
            f"for {half_year_label(period_start)}"
        )


class UnsupportedPolicyError(LateInterestError):
    """No statutory policy exists for this jurisdiction and debtor type."""


@dataclasses.dataclass(frozen=True)
class StatutoryPolicy:
    """How statutory interest is computed in one jurisdiction."""

    rate_type: str
    margin: Decimal
    runs_from: str
    legal_basis: str


STATUTORY_POLICIES = {
    ("FR", BUSINESS): StatutoryPolicy(
        RATE_ECB_MRO, Decimal(10), FROM_DUE_DATE, "Code de commerce L441-10"
    ),
    ("FR", CONSUMER): StatutoryPolicy(
        RATE_FR_LEGAL_OTHER, Decimal(0), FROM_NOTICE, "Code civil 1231-6, 1344-1"
    ),
    ("DE", BUSINESS): StatutoryPolicy(
        RATE_DE_BASE, Decimal(9), FROM_DUE_DATE, "BGB 288 (2)"
    ),
    ("DE", CONSUMER): StatutoryPolicy(
        RATE_DE_BASE, Decimal(5), FROM_NOTICE, "BGB 288 (1), 286 (1)"
    ),
    ("EU", BUSINESS): StatutoryPolicy(
        RATE_ECB_MRO, Decimal(8), FROM_DUE_DATE, "Directive 2011/7/EU art. 2"
    ),
}


@dataclasses.dataclass(frozen=True)
class Segment:
    """Days ``date_from``..``date_to`` (both included) at one rate and base."""

    date_from: date
    date_to: date
    days: int
    base: Decimal
    rate: Decimal
    amount: Decimal  # exact, not rounded


@dataclasses.dataclass(frozen=True)
class InterestResult:
    amount: Decimal  # rounded once
    amount_exact: Decimal
    segments: tuple
    start_date: date | None = None
    end_date: date | None = None

    @property
    def days(self):
        return sum(segment.days for segment in self.segments)


def to_decimal(value):
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidAmountError(f"Not an amount: {value!r}")
    try:
        return Decimal(str(value))
    except ArithmeticError as error:
        raise InvalidAmountError(f"Not an amount: {value!r}") from error


def half_year_start(day):
    """1 January or 1 July of the half-year that contains ``day``."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year_start(day):
    start = half_year_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def half_year_label(day):
    return f"H{1 if day.month <= 6 else 2} {day.year}"


def round_amount(amount, rounding=2):
    """Round an exact Decimal: ``rounding`` is a number of decimal places or
    a callable (e.g. ``currency.round``) taking and returning a float."""
    if callable(rounding):
        return to_decimal(rounding(float(amount)))
    return amount.quantize(Decimal(1).scaleb(-int(rounding)), rounding=ROUND_HALF_UP)


class RateTable:
    """Reference rates per type and half-year.

    ``rates`` maps a rate type to ``{half_year_start: rate_in_percent}``;
    a rate is looked up for the exact half-year: a gap raises
    :class:`MissingRateError`, it never falls back to an older value.
    """

    def __init__(self, rates=None):
        self._rates = {}
        for rate_type, values in (rates or {}).items():
            for period_start, rate in values.items():
                self.set(rate_type, period_start, rate)

    def set(self, rate_type, period_start, rate):
        if half_year_start(period_start) != period_start:
            raise InvalidPeriodError(
                f"A reference rate starts on 1 January or 1 July, not {period_start}"
            )
        self._rates.setdefault(rate_type, {})[period_start] = to_decimal(rate)

    def get(self, rate_type, day):
        period_start = half_year_start(day)
        try:
            return self._rates[rate_type][period_start]
        except KeyError:
            raise MissingRateError(rate_type, period_start) from None

    def has(self, rate_type, day):
        """Whether the rate of the half-year that contains ``day`` is known."""
        return half_year_start(day) in self._rates.get(rate_type, {})

    def first_missing(self, rate_type, start, end):
        """Start of the first half-year without a ``rate_type`` rate among
        those holding a day of ``start``..``end`` (both included), or None."""
        day = half_year_start(start)
        while day <= end:
            if not self.has(rate_type, day):
                return day
            day = next_half_year_start(day)
        return None

    def latest(self, rate_type, day):
        """The most recent rate on or before ``day`` (None when none)."""
        known = [d for d in self._rates.get(rate_type, {}) if d <= day]
        return self._rates[rate_type][max(known)] if known else None


def check_contractual_rate(rate, legal_rate, period_start=None):
    """Code de commerce L441-10 II: a contractual late payment rate may not
    be lower than three times the legal interest rate."""
    rate = to_decimal(rate)
    floor = FR_CONTRACTUAL_FLOOR_FACTOR * to_decimal(legal_rate)
    if rate < floor:
        raise RateBelowFloorError(rate, floor, period_start or date.min)
    return rate


def _validate_payments(payments):
    cleaned = []
    for pay_date, amount in payments or ():
        if not isinstance(pay_date, date):
            raise InvalidPeriodError(f"Not a payment date: {pay_date!r}")
        amount = to_decimal(amount)
        if amount <= 0:
            raise InvalidAmountError(f"A payment must be positive, not {amount}")
        cleaned.append((pay_date, amount))
    return sorted(cleaned, key=lambda payment: payment[0])


def compute_interest(
    principal,
    start_date,
    end_date,
    rate_for: Callable[[date], Decimal],
    payments: Iterable = (),
    rounding=2,
):
    """Simple interest on ``principal`` for each day after ``start_date`` up
    to ``end_date`` included, actual days / 365.

    :param principal: amount due (incl. VAT), strictly positive
    :param rate_for: annual rate in percent for the half-year of a day; may
        raise :class:`MissingRateError`
    :param payments: ``(date, amount)`` pairs; each reduces the base from
        the day after its date (payments up to ``start_date`` reduce it
        from the start)
    :param rounding: decimal places, or a callable such as ``currency.round``
    """
    principal = to_decimal(principal)
    if principal <= 0:
        raise InvalidAmountError(f"The principal must be positive, not {principal}")
    if not isinstance(start_date, date) or not isinstance(end_date, date):
        raise InvalidPeriodError("Start and end dates are required")
    payments = _validate_payments(payments)
    base = principal - sum(a for d, a in payments if d <= start_date)
    pending = [(d, a) for d, a in payments if start_date < d < end_date]
    segments = []
    cursor = start_date + timedelta(days=1)  # first accruing day
    while cursor <= end_date and base > 0:
        stop = min(end_date, next_half_year_start(cursor) - timedelta(days=1))
        if pending and pending[0][0] < stop:
            stop = pending[0][0]
        rate = to_decimal(rate_for(cursor))
        days = (stop - cursor).days + 1
        amount = base * rate * days / (HUNDRED * DAYS_PER_YEAR)
        if segments and segments[-1].rate == rate and segments[-1].base == base:
            last = segments.pop()
            segments.append(
                Segment(
                    last.date_from,
                    stop,
                    last.days + days,
                    base,
                    rate,
                    last.amount + amount,
                )
            )
        else:
            segments.append(Segment(cursor, stop, days, base, rate, amount))
        while pending and pending[0][0] == stop:
            base -= pending.pop(0)[1]
        cursor = stop + timedelta(days=1)
    exact = sum((segment.amount for segment in segments), Decimal(0))
    return InterestResult(
        amount=round_amount(exact, rounding),
        amount_exact=exact,
        segments=tuple(segments),
        start_date=start_date,
        end_date=end_date,
    )


def combine_results(results, rounding=2):
    """Add exact results (e.g. the installments of one invoice) and round
    the total once."""
    results = list(results)
    exact = sum((result.amount_exact for result in results), Decimal(0))
    segments = tuple(s for result in results for s in result.segments)
    starts = [r.start_date for r in results if r.start_date]
    ends = [r.end_date for r in results if r.end_date]
    return InterestResult(
        amount=round_amount(exact, rounding),
        amount_exact=exact,
        segments=segments,
        start_date=min(starts) if starts else None,
        end_date=max(ends) if ends else None,
    )


def empty_result(rounding=2):
    return InterestResult(round_amount(Decimal(0), rounding), Decimal(0), ())


def get_statutory_policy(jurisdiction, debtor_type):
    try:
        return STATUTORY_POLICIES[(jurisdiction, debtor_type)]
    except KeyError:
        raise UnsupportedPolicyError(
            f"No statutory late interest for {debtor_type} debtors in {jurisdiction}"
        ) from None


def reference_rate_type(policy, jurisdiction, debtor_type):
    """The reference rate an interest policy reads, with the day it runs
    from: ``(rate_type, runs_from)``, ``(None, None)`` when it reads none
    (a contractual rate outside French B2B, no statutory interest)."""
    if policy == "statutory":
        statutory = STATUTORY_POLICIES.get((jurisdiction, debtor_type))
        if statutory:
            return statutory.rate_type, statutory.runs_from
    elif policy == "contractual" and jurisdiction == "FR" and debtor_type == BUSINESS:
        return RATE_FR_LEGAL_OTHER, FROM_DUE_DATE  # the 3x legal rate floor
    return None, None


def interest_start_date(due_date, runs_from, notice_date=None, charged_until=None):
    """The day after which interest accrues, or None when it has not
    started (consumer without formal notice)."""
    if not isinstance(due_date, date):
        raise InvalidPeriodError(f"A due date is required, not {due_date!r}")
    if runs_from == FROM_NOTICE:
        if not notice_date:
            return None
        start = max(due_date, notice_date)
    else:
        start = due_date
    if charged_until:
        start = max(start, charged_until)
    return start


def compute_statutory_interest(
    principal,
    due_date,
    end_date,
    rates: RateTable,
    jurisdiction,
    debtor_type,
    payments=(),
    notice_date=None,
    charged_until=None,
    rounding=2,
):
    """Statutory late interest (see the module docstring for the law).

    ``charged_until``: interest already charged up to that day included, so
    the period starts after it (a period is never charged twice).
    """
    policy = get_statutory_policy(jurisdiction, debtor_type)
    start = interest_start_date(due_date, policy.runs_from, notice_date, charged_until)
    if not isinstance(end_date, date):
        raise InvalidPeriodError(f"An end date is required, not {end_date!r}")
    if start is None or start >= end_date:
        return empty_result(rounding)

    def rate_for(day):
        return rates.get(policy.rate_type, day) + policy.margin

    return compute_interest(principal, start, end_date, rate_for, payments, rounding)


def compute_contractual_interest(
    principal,
    due_date,
    end_date,
    contractual_rate,
    debtor_type=BUSINESS,
    jurisdiction=None,
    rates: RateTable | None = None,
    payments=(),
    notice_date=None,
    charged_until=None,
    rounding=2,
):
    """Interest at a rate agreed in the terms of sale.

    For a French business debtor the rate is never lower than three times
    the legal rate of the half-year (Code de commerce L441-10 II): the floor
    applies where the agreed rate falls below it. Consumers owe it from the
    formal notice (Code civil 1231-6), business debtors from the due date.
    """
    contractual_rate = to_decimal(contractual_rate)
    if contractual_rate <= 0:
        raise InvalidAmountError(
            f"The contractual rate must be positive, not {contractual_rate}"
        )
    runs_from = FROM_NOTICE if debtor_type == CONSUMER else FROM_DUE_DATE
    start = interest_start_date(due_date, runs_from, notice_date, charged_until)
    if not isinstance(end_date, date):
        raise InvalidPeriodError(f"An end date is required, not {end_date!r}")
    if start is None or start >= end_date:
        return empty_result(rounding)
    apply_floor = jurisdiction == "FR" and debtor_type == BUSINESS
    if apply_floor and rates is None:
        raise LateInterestError("The French legal rates are needed for the floor")

    def rate_for(day):
        if not apply_floor:
            return contractual_rate
        floor = FR_CONTRACTUAL_FLOOR_FACTOR * rates.get(RATE_FR_LEGAL_OTHER, day)
        return max(contractual_rate, floor)

    return compute_interest(principal, start, end_date, rate_for, payments, rounding)
