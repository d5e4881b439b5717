from . import late_interest, recovery_indemnity, risk_scoring

from . import payment_schedule
