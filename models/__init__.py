# Abstract models inherited by the models below are imported first.
from . import credit_override_mixin

# isort: split
from . import (
    account_move,
    credit_demo_ledger,
    credit_dunning_level,
    credit_dunning_scenario,
    credit_risk_grade,
    credit_risk_score,
    credit_risk_score_line,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
)
