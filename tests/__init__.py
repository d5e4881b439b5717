from . import (
    test_demo_data,
    test_dunning,
    test_interest_invoicing,
    test_late_interest,
    test_pauses,
    test_security,
)
