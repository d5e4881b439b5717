from . import late_interest, payment_schedule, recovery_indemnity, risk_scoring
