from . import report_credit_notice, report_credit_statement
