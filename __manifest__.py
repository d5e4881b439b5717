# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Credit & Collections",
    "summary": "Credit limits, risk grades, dunning scenarios, formal notices, "
    "payment plans and collection analytics",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "credit_collection developers",
    "website": "https://github.com/credit-collection/credit_collection",
    "license": "LGPL-3",
    "depends": [
        "account",
        "account_payment",
        "portal",
        "mail",
        "sale",
    ],
    "external_dependencies": {
        "python": ["python-stdnum", "num2words"],
    },
    "data": [
        "security/credit_collection_groups.xml",
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/credit_dunning_scenario_data.xml",
        "data/credit_risk_grade_data.xml",
        "data/ir_cron_data.xml",
        "wizards/credit_override_wizard_views.xml",
        "wizards/credit_grade_override_wizard_views.xml",
        "views/credit_dunning_scenario_views.xml",
        "views/account_move_views.xml",
        "views/credit_risk_grade_views.xml",
        "views/sale_order_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/credit_collection_menus.xml",
    ],
    "demo": [
        "demo/credit_collection_demo.xml",
    ],
    "installable": True,
    "application": False,
}
