"""Reference rates from their publishers' time series (no ORM, no network).

The publishers serve SDMX-CSV: one row per observation, the period in
``TIME_PERIOD`` and the value in ``OBS_VALUE`` (the other columns name the
series). Two kinds of series are read:

- dated observations (``2025-06-11``) are changes: the value holds from that
  day until the next one (ECB key rates, "date of changes");
- period observations (``2026-07``, ``2026-S2``, ``2026``) hold for their
  period only (Bundesbank base rate, end of month): a period not published
  yet gives no rate.

The rate of a half-year is the reference rate in force on its first calendar
day (Code de commerce L441-10, § 288 and § 247 BGB).
"""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from .late_interest import half_year_start, next_half_year_start

DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
SEMESTER_RE = re.compile(r"^(\d{4})-S([12])$")
YEAR_RE = re.compile(r"^(\d{4})$")
# Rates outside this range are not reference rates (a misread column).
MIN_RATE = Decimal(-10)
MAX_RATE = Decimal(50)


class RateSourceError(ValueError):
    """The response is not the expected time series."""


def period_bounds(period):
    """First and last day of an SDMX period, and whether it is a change
    date (a day) rather than a period.

    :raise RateSourceError: unknown period format
    """
    period = period.strip()
    try:
        if match := DAY_RE.match(period):
            day = date(*map(int, match.groups()))
            return day, None, True
        if match := MONTH_RE.match(period):
            year, month = map(int, match.groups())
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            return start, end, False
        if match := SEMESTER_RE.match(period):
            year, half = map(int, match.groups())
            start = date(year, 1 if half == 1 else 7, 1)
            return start, next_half_year_start(start) - timedelta(days=1), False
        if match := YEAR_RE.match(period):
            year = int(match.group(1))
            return date(year, 1, 1), date(year, 12, 31), False
    except ValueError as error:
        raise RateSourceError(f"Not a period: {period!r}") from error
    raise RateSourceError(f"Not a period: {period!r}")


def parse_sdmx_csv(text):
    """Observations of an SDMX-CSV response, sorted by period start:
    ``[(start, end or None, Decimal rate)]`` (``end`` None for a change
    date). Comma or semicolon separated, decimal point or comma; rows
    without a value (not published) are skipped.

    :raise RateSourceError: no ``TIME_PERIOD``/``OBS_VALUE`` columns, or a
        value that is not a rate
    """
    text = (text or "").lstrip("\ufeff")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = {name.strip().upper(): name for name in reader.fieldnames or ()}
    if "TIME_PERIOD" not in fields or "OBS_VALUE" not in fields:
        raise RateSourceError("No TIME_PERIOD and OBS_VALUE columns.")
    observations = []
    for row in reader:
        value = (row.get(fields["OBS_VALUE"]) or "").strip()
        if not value or value.upper() in ("NAN", "NA", "."):
            continue
        try:
            rate = Decimal(value.replace(",", "."))
        except InvalidOperation as error:
            raise RateSourceError(f"Not a rate: {value!r}") from error
        if not rate.is_finite() or not MIN_RATE <= rate <= MAX_RATE:
            raise RateSourceError(f"Not a rate: {value!r}")
        start, end, _change = period_bounds(row.get(fields["TIME_PERIOD"]) or "")
        observations.append((start, end, rate))
    if not observations:
        raise RateSourceError("The series has no observation.")
    return sorted(observations, key=lambda observation: observation[0])


def rate_on(observations, day):
    """The rate in force on ``day``: the latest observation started by then,
    if it still holds (a change date holds until the next one, a period
    until its end). None when the series does not say yet."""
    current = None
    for observation in observations:
        if observation[0] > day:
            break
        current = observation
    if current is None:
        return None
    _start, end, rate = current
    if end is not None and end < day:
        return None
    return rate


def half_year_rates(observations, since, today):
    """``{half-year start: rate}`` for the half-years from the one holding
    ``since`` to the one holding ``today``, where the series gives the rate
    in force on their first day. Half-years to come are never given."""
    rates = {}
    start = half_year_start(since)
    while start <= today:
        rate = rate_on(observations, start)
        if rate is not None:
            rates[start] = rate
        start = next_half_year_start(start)
    return rates
