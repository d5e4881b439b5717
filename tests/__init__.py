from . import (
    test_credit_blocking,
    test_credit_exposure,
    test_credit_risk_score,
    test_demo_data,
    test_dunning,
    test_interest_invoicing,
    test_late_interest,
    test_pauses,
    test_payment_plan,
    test_payment_schedule,
    test_security,
)

# isort: split
from . import test_portal
