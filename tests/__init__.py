from . import (
    test_credit_blocking,
    test_credit_exposure,
    test_credit_risk_score,
    test_demo_data,
    test_dunning,
    test_interest_invoicing,
    test_late_interest,
    test_letters,
    test_pauses,
    test_security,
    test_statement,
)
