from . import test_credit_blocking, test_credit_exposure, test_credit_risk_score
