"""Expected payment dates and the 13-week cash-in forecast: the statistics.

Pure Python (no ORM), so that the daily computation, the backtest and the
tests share one implementation. A *delay* is the number of days between an
invoice's due date and the day it became fully paid (negative: paid early).
"""

from bisect import bisect_left
from collections import namedtuple
from datetime import timedelta
from itertools import accumulate

# Recent invoices say more about how a customer pays now than last year's:
# an invoice paid 90 days ago weighs half as much as one paid today, one paid
# 180 days ago a quarter. A quarter is the rhythm at which payment habits
# change (a new accountant, a tighter cash position), and with it the last
# 12 months still count without drowning the last weeks.
HALF_LIFE_DAYS = 90
# The history read: invoices fully paid in the last 12 months.
HISTORY_DAYS = 365
# Fewer paid invoices than this to go by (those paid at least as late as the
# invoice already is) and a customer's own figures are noise: the company's
# are used instead; fewer in the company too and an overdue invoice is
# doubtful.
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
# Where an expected date comes from: the basis, the date and its band (None
# when doubtful), the behaviour it rests on (the median delay and the number
# of paid invoices read).
Forecast = namedtuple("Forecast", "basis expected stats")


def decay_weight(age_days):
    """The weight of an invoice paid ``age_days`` ago (1 today)."""
    return 0.5 ** (max(age_days, 0) / HALF_LIFE_DAYS)


class Delays:
    """A weighted distribution of delays, sorted once: its quantiles,
    over all of it or over the delays of at least so many days, are read
    by bisection (a daily run asks them for 100,000 invoices).

    Quantiles are lower weighted quantiles: the smallest delay whose
    cumulated weight reaches the share asked of the total, so always one of
    the delays, a whole number of days."""

    def __init__(self, weighted):
        """``weighted``: ``(delay, weight)`` pairs, weights positive."""
        pairs = sorted(weighted)
        self.delays = [delay for delay, _weight in pairs]
        self.cumulated = list(accumulate(weight for _delay, weight in pairs))
        # The company's delays are asked for the same few days overdue by
        # thousands of invoices.
        self._beyond = {}

    @classmethod
    def of_samples(cls, samples, today):
        """The delays of ``samples`` (``(paid_on, delay)`` pairs), weighted
        by how recently each invoice was paid."""
        return cls(
            (delay, decay_weight((today - paid_on).days)) for paid_on, delay in samples
        )

    def __len__(self):
        return len(self.delays)

    def quantile(self, share, start=0):
        """The ``share`` quantile of the delays from index ``start`` on."""
        if start >= len(self.delays):
            raise ValueError("no values")
        base = self.cumulated[start - 1] if start else 0.0
        # A relative tolerance: float sums of the weights must not push a
        # delay exactly at the target to the next one.
        target = base + share * (self.cumulated[-1] - base) * (1 - 1e-9)
        index = bisect_left(self.cumulated, target, lo=start)
        return self.delays[min(index, len(self.delays) - 1)]

    def beyond(self, overdue):
        """The behaviour of the invoices paid at least ``overdue`` days
        after their due date (all of them with ``None``): the only ones an
        invoice still unpaid that many days after its due date can follow.
        None when there is none."""
        if overdue not in self._beyond:
            self._beyond[overdue] = self._behaviour_from(
                0 if overdue is None else bisect_left(self.delays, overdue)
            )
        return self._beyond[overdue]

    def _behaviour_from(self, start):
        if start >= len(self.delays):
            return None
        low_share, high_share = BAND_QUANTILES
        return Behaviour(
            median=self.quantile(0.5, start),
            low=self.quantile(low_share, start),
            high=self.quantile(high_share, start),
            count=len(self.delays) - start,
        )


def weighted_quantile(values, weights, quantile):
    """The lower weighted ``quantile`` of ``values`` (see ``Delays``)."""
    return Delays(zip(values, weights, strict=True)).quantile(quantile)


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


def behaviours(samples_by_key, today):
    """Each key's delays (a customer) and the delays of all samples
    together (the company's): ``(by_key, overall)``."""
    by_key = {
        key: Delays.of_samples(samples, today)
        for key, samples in samples_by_key.items()
    }
    overall = Delays.of_samples(
        [sample for samples in samples_by_key.values() for sample in samples], today
    )
    return by_key, overall


def expected_from_history(due, own, company, today):
    """When an invoice due on ``due``, still unpaid ``today``, is expected
    to be paid, as a ``Forecast``. It can only follow the paid invoices
    that were paid at least as late as it already is: the weighted median
    and quartiles of those delays give its date and band.

    - ``customer``: the customer's own delays (``own``), when at least
      ``MIN_PAID_INVOICES`` of its paid invoices were that late;
    - ``company``: else those of all the company's customers (``company``),
      with the same minimum: how invoices that late were paid elsewhere;
    - ``doubtful``: an overdue invoice later than that: no date, it is left
      out of the forecast rather than expected on a date nothing supports;
    - ``terms``: an invoice not due yet without such history: on its due
      date."""
    overdue = (today - due).days
    stats = None
    for basis, delays in (("customer", own), ("company", company)):
        stats = None if delays is None else delays.beyond(overdue)
        if stats and stats.count >= MIN_PAID_INVOICES:
            expected = Expected(
                date=due + timedelta(days=stats.median),
                low=due + timedelta(days=stats.low),
                high=due + timedelta(days=stats.high),
            )
            return Forecast(basis, expected, stats)
    few = Behaviour(0, 0, 0, stats.count if stats else 0)
    if overdue > 0:
        return Forecast("doubtful", None, few)
    return Forecast("terms", Expected(due, due, due), few)


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
    ``items`` are ``(amount, expected, low, high)``.

    A week's amount counts a third of each invoice on its early date, its
    expected date and its late date: the quartiles and the median of the
    delays it can still follow, a three-point summary of when it may be
    paid. Counting all of it on its median date puts, week after week, the
    money of a whole spread of invoices on one day (the backtest's error per
    week was about twice as large). The week's band comes from two more
    scenarios, every invoice paid on its early date, every invoice on its
    late date (the ends of the band, not a probability interval). Amounts
    expected beyond the horizon are left out. One dict per week: start,
    amount, low, high."""
    first = week_start(today)
    sums = [{"amount": 0.0, "early": 0.0, "late": 0.0} for _index in range(weeks)]
    for amount, expected, low, high in items:
        indexes = [(day - first).days // 7 for day in (low, expected, high)]
        for index in set(indexes):
            if 0 <= index < weeks:
                # all three in one week: the amount itself, not three thirds
                thirds = indexes.count(index)
                sums[index]["amount"] += amount if thirds == 3 else amount * thirds / 3
        for key, index in (("early", indexes[0]), ("late", indexes[2])):
            if 0 <= index < weeks:
                sums[index][key] += amount
    # Everyone as early as the band allows can bring more into a week or
    # take money out of it, and so can everyone as late: the week's band
    # runs from the smallest to the largest of the scenarios.
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
        expected = expected_from_history(
            invoice.due, by_partner.get(invoice.partner), overall, as_of
        ).expected
        if expected:
            items.append((residual, *expected))
        for day, amount in invoice.payments:
            if as_of <= day < end:
                actual[(day - as_of).days // 7] += amount
    forecast = [week["amount"] for week in weekly_buckets(items, as_of, weeks)]
    return (forecast, actual, *mean_absolute_error(forecast, actual))
