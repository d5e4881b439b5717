from . import credit_dunning_scenario
from . import credit_dunning_level
from . import credit_demo_ledger
from . import res_company
from . import res_config_settings
from . import res_partner
