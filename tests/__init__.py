from . import (
    test_credit_blocking,
    test_credit_exposure,
    test_credit_risk_score,
    test_demo_data,
    test_dunning,
    test_escalation,
    test_interest_invoicing,
    test_late_interest,
    test_letters,
    test_notice_emails,
    test_notice_prerequisites,
    test_notice_totals,
    test_pauses,
    test_payment_plan,
    test_payment_schedule,
    test_security,
    test_statement,
)

# isort: split
from . import test_aged_balance, test_collection_kpi, test_portal

# isort: split
from . import test_case_file, test_dashboard

# isort: split
from . import (
    test_amount_words,
    test_forged_requests,
    test_french_output,
    test_golden_texts,
    test_roles,
    test_siren,
)

# isort: split
from . import (
    test_delivery,
    test_dunning_retry,
    test_job_dispatch,
    test_query_counts,
    test_rate_import,
)

# isort: split
from . import test_translations

# isort: split
from . import test_payment_forecast, test_payment_terms_disclosure

# isort: split
from . import test_core_overrides, test_credit_insurance
