from . import (
    account_move,
    credit_demo_ledger,
    credit_dunning_level,
    credit_dunning_scenario,
    credit_interest_charge,
    credit_interest_rate,
    res_company,
    res_config_settings,
    res_partner,
)
