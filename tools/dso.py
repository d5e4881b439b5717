"""Days Sales Outstanding, without the ORM: the figures come from SQL."""


def dso_simple(receivable, sales, days):
    """Receivable at the end of the period over the period's credit sales,
    times the period's days. None when nothing was sold."""
    if sales <= 0:
        return None
    return receivable / sales * days


def dso_countback(receivable, monthly_sales):
    """Countback: walk back month by month from the latest, consuming the
    receivable with each month's sales; each month fully consumed counts
    its days, the last one a share of them.

    ``monthly_sales`` is a list of (sales, days in month), latest first.
    When the sales of every month do not exhaust the receivable, all the
    months' days are counted (the result is then a lower bound)."""
    remaining = receivable
    total_days = 0.0
    if remaining <= 0:
        return 0.0
    for sales, days in monthly_sales:
        if sales <= 0:
            total_days += days
            continue
        if remaining > sales:
            remaining -= sales
            total_days += days
        else:
            return total_days + remaining / sales * days
    return total_days
