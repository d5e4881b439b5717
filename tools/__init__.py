from . import (
    auto_reply,
    late_interest,
    overdue,
    payment_schedule,
    receivable,
    recovery_indemnity,
    reference_rates,
    risk_scoring,
    siren,
)
