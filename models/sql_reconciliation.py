"""The partial reconciliations as SQL rows: the one home of "what was
reconciled since a day" and "the day an item became fully paid", for the
reports that look at the ledger as it stood on a past date (aged balance,
payment times, payment terms disclosure).

A partial reconciliation (``account_partial_reconcile``) settles ``amount``
of its debit item against its credit item on ``max_date``, the later of the
two items' dates: the day the payment met the invoice.
"""

from odoo.tools import SQL


def partial_sides(company_ids, since):
    """Rows (line_id, amount, date): each partial reconciliation of these
    companies dated ``since`` or later, once on each of its two journal
    items, the amount positive on the debit item and negative on the credit
    item. Summed per item, what was reconciled of it since that day (its
    residual of the day before is today's plus that sum)."""
    return SQL(
        """SELECT debit_move_id AS line_id, amount, max_date AS date
             FROM account_partial_reconcile
            WHERE max_date >= %(since)s AND company_id IN %(companies)s
        UNION ALL
           SELECT credit_move_id, -amount, max_date
             FROM account_partial_reconcile
            WHERE max_date >= %(since)s AND company_id IN %(companies)s""",
        since=since,
        companies=tuple(company_ids),
    )


def last_reconciliation_dates(company_ids, since):
    """Rows (line_id, date_paid): each journal item reconciled ``since`` that
    day or later, with the date of its last reconciliation, the day a fully
    reconciled item became fully paid. An item whose last reconciliation is
    after a period's end was not paid in that period: filter on
    ``date_paid``, not on the partials' dates."""
    return SQL(
        """SELECT line_id, MAX(date) AS date_paid
             FROM (%s) AS sides
         GROUP BY line_id""",
        partial_sides(company_ids, since),
    )
