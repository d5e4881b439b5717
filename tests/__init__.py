from . import test_interest_invoicing, test_late_interest
