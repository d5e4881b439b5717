from . import (
    credit_demo_ledger,
    credit_dunning_level,
    credit_dunning_scenario,
    res_company,
    res_config_settings,
    res_partner,
)
