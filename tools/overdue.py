"""Days overdue, computed one way for every output (notice lines, emails,
letters, portal): days from the first unpaid due date of an invoice to the
day of the document. Negative while the invoice is not yet due; documents
show 0 then, and a reminder after the due date lists only invoices that are
overdue."""


def days_overdue(due_date, on_date):
    """Days ``on_date`` is past ``due_date`` (negative before it)."""
    return (on_date - due_date).days


def shown_days_overdue(days):
    """What a document prints for ``days``: never a negative number."""
    return max(days, 0)
