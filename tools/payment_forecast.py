"""Expected payment dates and the 13-week cash-in forecast: the statistics.

Pure Python (no ORM), so that the daily computation, the backtest and the
tests share one implementation. A *delay* is the number of days between an
invoice's due date and the day it became fully paid (negative: paid early).
"""

from collections import namedtuple
from datetime import timedelta

# Recent invoices say more about how a customer pays now than last year's:
# an invoice paid 90 days ago weighs half as much as one paid today, one paid
# 180 days ago a quarter. A quarter is the rhythm at which payment habits
# change (a new accountant, a tighter cash position), and with it the last
# 12 months still count without drowning the last weeks.
HALF_LIFE_DAYS = 90
# The history read: invoices fully paid in the last 12 months.
HISTORY_DAYS = 365
# Fewer paid invoices than this and a customer's own figures are noise: the
# company's overall behaviour is used instead.
MIN_PAID_INVOICES = 3
# The confidence band: the weighted quartiles of the delays (half the
# invoices paid within it).
BAND_QUANTILES = (0.25, 0.75)
# A promise or an installment is a date the customer gave: the money is
# expected on it, or within a few days (bank transfers, weekends).
COMMITMENT_SLACK_DAYS = 3
# The treasurer's horizon.
FORECAST_WEEKS = 13

Behaviour = namedtuple("Behaviour", "median low high count")
Expected = namedtuple("Expected", "date low high")
# An invoice of the ledger as the forecast reads it, amounts in company
# currency: ``settled`` when fully paid now, ``payments`` the ``(date,
# amount)`` of its reconciliations in date order.
Invoice = namedtuple("Invoice", "id partner date due total residual settled payments")


def decay_weight(age_days):
    """The weight of an invoice paid ``age_days`` ago (1 today)."""
    return 0.5 ** (max(age_days, 0) / HALF_LIFE_DAYS)


def weighted_quantile(values, weights, quantile):
    """The smallest value whose cumulative weight reaches ``quantile`` of
    the total weight (the lower weighted quantile: always one of the
    values, so a delay in whole days)."""
    pairs = sorted(zip(values, weights, strict=True))
    if not pairs:
        raise ValueError("no values")
    target = quantile * sum(weight for _value, weight in pairs)
    cumulated = 0.0
    for value, weight in pairs:
        cumulated += weight
        # A relative tolerance: float sums of the weights must not push a
        # value exactly at the target to the next one.
        if cumulated >= target * (1 - 1e-9):
            return value
    return pairs[-1][0]


def paid_samples(invoices, as_of):
    """The history known on ``as_of``: per customer, the ``(paid_on,
    delay)`` of the invoices fully paid before that day, in the
    ``HISTORY_DAYS`` before it. An invoice became fully paid on the date of
    its last reconciliation."""
    since = as_of - timedelta(days=HISTORY_DAYS)
    samples = {}
    for invoice in invoices:
        if not (invoice.settled and invoice.payments):
            continue
        paid_on = invoice.payments[-1][0]
        if since <= paid_on < as_of:
            samples.setdefault(invoice.partner, []).append(
                (paid_on, (paid_on - invoice.due).days)
            )
    return samples


def behaviour(samples, today):
    """The weighted median and band of ``samples`` (``(paid_on, delay)``
    pairs), weighted by how recently each invoice was paid; None without
    samples."""
    if not samples:
        return None
    delays = [delay for _paid_on, delay in samples]
    weights = [decay_weight((today - paid_on).days) for paid_on, _delay in samples]
    low_q, high_q = BAND_QUANTILES
    return Behaviour(
        median=weighted_quantile(delays, weights, 0.5),
        low=weighted_quantile(delays, weights, low_q),
        high=weighted_quantile(delays, weights, high_q),
        count=len(samples),
    )


def behaviours(samples_by_key, today):
    """Each key's behaviour (a customer) when it has enough paid invoices,
    and the behaviour of all samples together (the fallback): ``(by_key,
    overall)``."""
    by_key = {
        key: behaviour(samples, today)
        for key, samples in samples_by_key.items()
        if len(samples) >= MIN_PAID_INVOICES
    }
    overall = behaviour(
        [sample for samples in samples_by_key.values() for sample in samples], today
    )
    return by_key, overall


def expected_from_history(due, stats, today):
    """When an invoice due on ``due`` is expected to be paid by a payer of
    ``stats``: never before today (what is late is expected from today on).
    Without any history, on its due date."""
    median, low, high = (stats.median, stats.low, stats.high) if stats else (0, 0, 0)
    return Expected(
        date=max(today, due + timedelta(days=median)),
        low=max(today, due + timedelta(days=low)),
        high=max(today, due + timedelta(days=high)),
    )


def expected_from_commitment(day, today):
    """Expected on a date the customer committed to (a promise to pay, a
    plan installment); one already past is expected from today on."""
    day = max(today, day)
    return Expected(day, day, day + timedelta(days=COMMITMENT_SLACK_DAYS))


def allocate_installments(invoices, installments):
    """The installment date paying each invoice of a plan: the plan pays
    its invoices oldest first, so an invoice is paid by the installment at
    which the cumulated installments cover it and the invoices before it.
    ``invoices``: ``(key, residual)`` oldest first; ``installments``:
    ``(date, amount)`` in date order. Invoices beyond the schedule take its
    last date. Returns ``{key: date}``."""
    if not installments:
        return {}
    dates = {}
    covered, index = 0.0, 0
    owed = 0.0
    for key, residual in invoices:
        owed += residual
        while index < len(installments) - 1 and covered + installments[index][1] < (
            owed - 0.005
        ):
            covered += installments[index][1]
            index += 1
        dates[key] = installments[index][0]
    return dates


def week_start(day):
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_buckets(items, today, weeks=FORECAST_WEEKS):
    """Expected cash-in per week, Monday-start weeks from this week on:
    ``items`` are ``(amount, expected, low, high)``. A week's amount adds
    the invoices expected in it; its band comes from two more scenarios,
    every invoice paid on its early date, every invoice on its late date (the
    ends of the band, not a probability interval). Amounts expected beyond
    the horizon are left out. One dict per week: start, amount, low, high."""
    first = week_start(today)
    sums = [{"amount": 0.0, "early": 0.0, "late": 0.0} for _index in range(weeks)]
    for amount, expected, low, high in items:
        for key, day in (("amount", expected), ("early", low), ("late", high)):
            index = (day - first).days // 7
            if 0 <= index < weeks:
                sums[index][key] += amount
    # Everyone as early as the band allows can bring more into a week or
    # take money out of it, and so can everyone as late: the week's band
    # runs from the smallest to the largest of the three scenarios.
    return [
        {
            "start": first + timedelta(weeks=index),
            "amount": week["amount"],
            "low": min(week.values()),
            "high": max(week.values()),
        }
        for index, week in enumerate(sums)
    ]


def mean_absolute_error(forecast, actual):
    """Mean absolute error of weekly figures, in money and as a share of
    the mean collected per week (None when nothing was collected)."""
    if not forecast:
        return 0.0, None
    errors = [abs(f - a) for f, a in zip(forecast, actual, strict=True)]
    mae = sum(errors) / len(errors)
    mean_actual = sum(actual) / len(actual)
    return mae, (mae / mean_actual if mean_actual else None)


def backtest(invoices, as_of, weeks):
    """The forecast as it would have been made on ``as_of`` (a Monday),
    from what was known then (the invoices open that day, at their residual
    of that day, and the payments before it), against what those invoices
    actually brought in each of the ``weeks`` weeks after. Promises and
    plans are not replayed (their history is not kept): the history-based
    forecast is measured. Returns ``(forecast, actual, mae, mae_share)``."""
    by_partner, overall = behaviours(paid_samples(invoices, as_of), as_of)
    items, end = [], as_of + timedelta(weeks=weeks)
    actual = [0.0] * weeks
    for invoice in invoices:
        if invoice.date >= as_of:
            continue
        before = sum(amount for day, amount in invoice.payments if day < as_of)
        residual = invoice.total - before
        if residual <= 0.005:
            continue
        stats = by_partner.get(invoice.partner, overall)
        items.append((residual, *expected_from_history(invoice.due, stats, as_of)))
        for day, amount in invoice.payments:
            if as_of <= day < end:
                actual[(day - as_of).days // 7] += amount
    forecast = [week["amount"] for week in weekly_buckets(items, as_of, weeks)]
    return (forecast, actual, *mean_absolute_error(forecast, actual))
