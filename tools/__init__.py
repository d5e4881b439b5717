from . import late_interest, overdue, payment_schedule, recovery_indemnity, risk_scoring
