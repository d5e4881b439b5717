"""Payment states of customer invoices: the one home of "open" and "settled".

Pure constants and domain builders (no ORM), so that models, wizards,
controllers and reports import them without import cycles.
"""

# Odoo's payment_state of an invoice still (partly) due by the customer.
OPEN_PAYMENT_STATES = ("not_paid", "partial")
# Paid, paid pending bank reconciliation, or cancelled by a credit note.
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
# The documents a customer owes (refunds are not dunned).
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_receipt")


def open_invoice_domain(move_types=CUSTOMER_INVOICE_TYPES, prefix=""):
    """Posted customer invoices not fully paid, on account.move; with
    ``prefix="move_id."`` the same rule on their journal items."""
    return [
        (f"{prefix}move_type", "in", move_types),
        (f"{prefix}state", "=", "posted"),
        (f"{prefix}payment_state", "in", OPEN_PAYMENT_STATES),
    ]
