from . import late_interest, recovery_indemnity
