from . import report_credit_notice, report_credit_statement

# isort: split
from . import report_credit_case_file
