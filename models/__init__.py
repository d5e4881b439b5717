# Abstract models inherited by the models below are imported first.
from . import (
    account_move_forecast,
    account_move_insurance,
    account_move_late_interest,
    credit_dunning_run_decision,
    credit_notice_delivery,
    credit_notice_letter,
    credit_notice_sending,
    credit_override_mixin,
    credit_payment_plan_creation,
    credit_payment_plan_follow_up,
    res_partner_collection,
    res_partner_forecast,
    res_partner_insurance,
    res_partner_risk,
)

# isort: split
from . import (
    account_move,
    account_move_line,
    credit_case_file_builder,
    credit_demo_ledger,
    credit_demo_replay,
    credit_dispute,
    credit_dunning_level,
    credit_dunning_run,
    credit_dunning_scenario,
    credit_exposure,
    credit_interest_charge,
    credit_interest_rate,
    credit_job_dispatch,
    credit_notice,
    credit_notice_line,
    credit_payment_plan,
    credit_payment_plan_installment,
    credit_promise,
    credit_risk_grade,
    credit_risk_score,
    ir_actions_report,
    ir_attachment,
    ir_sequence,
    mail_mail,
    mail_thread,
    res_company,
    res_config_settings,
    res_groups,
    res_partner,
    res_users,
    sale_order,
)

# isort: split
from . import (
    credit_aged_balance,
    credit_collection_kpi,
    credit_collection_snapshot,
    credit_collector_snapshot,
    credit_risk_factor,
)

# isort: split
from . import (
    credit_collection_dashboard,
    credit_recovery_analysis,
)

# isort: split
from . import ir_qweb

# isort: split
from . import credit_payment_forecast

# isort: split
from . import (
    credit_insurance_cover,
    credit_insurance_declaration,
    credit_insurance_policy,
)

# isort: split
# A view over the tables above: created after them.
from . import credit_insurance_deadline, credit_notice_insurance
