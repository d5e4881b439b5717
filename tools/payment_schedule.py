"""Schedules of payment plans: pure arithmetic, no ORM, so that every rule
(rounding, month ends, down payment, charges) is tested exhaustively.

Amounts are ``Decimal`` rounded to the currency's rounding; the last
installment absorbs what rounding leaves, so the installments always add up
to the exact total. Monthly dates are counted from the first due date (not
from the previous installment): 31 January, 28/29 February, 31 March...
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

FREQUENCIES = ("weekly", "monthly", "days")
MAX_INSTALLMENTS = 360
DAYS_PER_YEAR = Decimal(365)


class ScheduleError(ValueError):
    """Bad input. ``code`` names the problem and ``params`` its values, so that
    the caller can word a translated message."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Installment:
    sequence: int  # 0 is the down payment
    date_due: date
    amount: Decimal
    is_down_payment: bool = False


@dataclass(frozen=True)
class Schedule:
    principal: Decimal  # what the invoices owe
    down_payment: Decimal
    interest: Decimal
    fee: Decimal
    installments: tuple

    @property
    def total(self):
        return self.principal + self.interest + self.fee

    @property
    def count(self):
        """Number of installments, down payment excluded."""
        return sum(1 for item in self.installments if not item.is_down_payment)


def to_decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def round_amount(value, rounding):
    """Round half up to a multiple of ``rounding`` (0.01, 0.05, 1...)."""
    rounding = to_decimal(rounding)
    return (to_decimal(value) / rounding).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    ) * rounding


def due_date(first_date, index, frequency, interval_days=None):
    """Due date of the installment ``index`` (0 = the first one)."""
    if frequency == "monthly":
        return first_date + relativedelta(months=index)
    if frequency == "weekly":
        return first_date + timedelta(weeks=index)
    if frequency == "days":
        if not interval_days or interval_days < 1:
            raise ScheduleError("interval", interval=interval_days)
        return first_date + timedelta(days=interval_days * index)
    raise ScheduleError("frequency", frequency=frequency)


def interest_for(financed, start_date, dates, annual_rate, rounding):
    """Simple interest on the declining balance: the financed amount is
    repaid in equal parts, each period bears interest on what is still
    owed, actual/365. Rounded once."""
    rate = to_decimal(annual_rate)
    if not rate or not dates:
        return Decimal(0)
    part = financed / len(dates)
    outstanding = financed
    previous = start_date
    total = Decimal(0)
    for day in dates:
        days = max((day - previous).days, 0)
        total += outstanding * rate / 100 * days / DAYS_PER_YEAR
        outstanding -= part
        previous = day
    return round_amount(total, rounding)


def _check_terms(
    principal, first_date, frequency, interval_days, down_payment, rate, fee, start_date
):
    """Raise ScheduleError on terms no schedule can have."""
    if frequency not in FREQUENCIES:
        raise ScheduleError("frequency", frequency=frequency)
    if frequency == "days" and (not interval_days or interval_days < 1):
        raise ScheduleError("interval", interval=interval_days)
    if principal <= 0:
        raise ScheduleError("principal", principal=principal)
    if not first_date:
        raise ScheduleError("first_date")
    if first_date < start_date:
        raise ScheduleError("first_date_past", first_date=first_date, start=start_date)
    if down_payment < 0:
        raise ScheduleError("down_payment_negative", down_payment=down_payment)
    if down_payment >= principal:
        raise ScheduleError(
            "down_payment_too_high", down_payment=down_payment, principal=principal
        )
    if rate < 0:
        raise ScheduleError("rate", rate=rate)
    if fee < 0:
        raise ScheduleError("fee", fee=fee)


def compute_schedule(
    principal,
    first_date,
    frequency="monthly",
    count=None,
    installment_amount=None,
    down_payment=0,
    interval_days=None,
    annual_rate=0,
    fee=0,
    start_date=None,
    rounding="0.01",
):
    """The installments that repay ``principal`` (+ interest + fee).

    :param count: number of installments (down payment excluded), or
    :param installment_amount: the amount of each installment, the last one
        being smaller; exactly one of the two is given
    :param down_payment: paid on ``start_date``, before the installments
    :param annual_rate: simple interest in percent a year on the declining
        balance, from ``start_date``
    :param fee: fixed plan fee, spread over the installments
    :param start_date: date of the plan (defaults to ``first_date``)
    :raise ScheduleError: bad input
    """
    principal = to_decimal(principal)
    down_payment = to_decimal(down_payment)
    fee = to_decimal(fee)
    rate = to_decimal(annual_rate)
    start_date = start_date or first_date
    _check_terms(
        principal,
        first_date,
        frequency,
        interval_days,
        down_payment,
        rate,
        fee,
        start_date,
    )
    if (count is None) == (installment_amount is None):
        raise ScheduleError("count_or_amount")
    down_payment = round_amount(down_payment, rounding)
    financed = principal - down_payment

    def dates(number):
        return [
            due_date(first_date, i, frequency, interval_days) for i in range(number)
        ]

    if count is not None:
        if count < 1:
            raise ScheduleError("count", count=count)
        if count > MAX_INSTALLMENTS:
            raise ScheduleError("too_many", count=count, maximum=MAX_INSTALLMENTS)
        days = dates(count)
        interest = interest_for(financed, start_date, days, rate, rounding)
        to_pay = financed + interest + fee
        regular = round_amount(to_pay / count, rounding)
        if regular * (count - 1) >= to_pay:
            # too small to split: every installment would round to nothing
            raise ScheduleError("too_small", count=count, amount=to_pay)
    else:
        regular = round_amount(installment_amount, rounding)
        if regular <= 0:
            raise ScheduleError("amount", amount=installment_amount)
        count, interest = 0, Decimal(0)
        for _attempt in range(MAX_INSTALLMENTS):
            to_pay = financed + interest + fee
            needed = int((to_pay / regular).to_integral_value(rounding=ROUND_CEILING))
            if needed > MAX_INSTALLMENTS:
                raise ScheduleError("too_many", count=needed, maximum=MAX_INSTALLMENTS)
            if needed == count:
                break
            count = needed
            interest = interest_for(financed, start_date, dates(count), rate, rounding)
        days = dates(count)
        to_pay = financed + interest + fee
    installments = []
    if down_payment:
        installments.append(Installment(0, start_date, down_payment, True))
    for index, day in enumerate(days):
        last = index == count - 1
        amount = to_pay - regular * (count - 1) if last else regular
        installments.append(Installment(index + 1, day, amount))
    return Schedule(principal, down_payment, interest, fee, tuple(installments))


def allocate(amounts, paid, rounding="0.01"):
    """Split ``paid`` over installments of ``amounts``, oldest first:
    returns the amount paid on each."""
    remaining = round_amount(max(to_decimal(paid), Decimal(0)), rounding)
    result = []
    for amount in amounts:
        amount = to_decimal(amount)
        part = min(amount, remaining)
        result.append(part)
        remaining -= part
    return result
