from . import (
    credit_dispute_wizard,
    credit_dunning_preview,
    credit_dunning_preview_line,
    credit_grade_override_wizard,
    credit_notice_escalate,
    credit_notice_reschedule,
    credit_override_wizard,
    credit_payment_plan_wizard,
)

# isort: split
from . import (
    credit_aged_balance_line,
    credit_aged_balance_wizard,
)

# isort: split
from . import (
    credit_payment_terms_disclosure,
    credit_payment_terms_disclosure_invoice,
)

# isort: split
from . import credit_case_file
