from . import late_interest, recovery_indemnity, risk_scoring
