from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import new_test_user
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestCreditSecurity(AccountTestInvoicingCommon):
    """Who may see and change what: groups, their implications and the
    multi-company record rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company_data["company"]
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        Scenario = cls.env["credit.dunning.scenario"]
        cls.scenario_a = Scenario.create(
            {
                "name": "Scenario of A",
                "company_id": cls.company_a.id,
                "level_ids": [(0, 0, {"name": "First reminder", "days_offset": 7})],
            }
        )
        cls.scenario_b = Scenario.create(
            {"name": "Scenario of B", "company_id": cls.company_b.id}
        )
        cls.scenario_shared = Scenario.create({"name": "Shared scenario"})

        def user(login, groups, company):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.billing_user = user(
            "billing", "account.group_account_invoice", cls.company_a
        )
        cls.accountant = user("accountant", "account.group_account_user", cls.company_a)
        cls.account_admin = user(
            "accadmin", "account.group_account_manager", cls.company_a
        )
        cls.controller_a = user(
            "controller_a", "credit_collection.group_credit_controller", cls.company_a
        )
        cls.manager_a = user(
            "manager_a", "credit_collection.group_credit_manager", cls.company_a
        )
        cls.manager_b = user(
            "manager_b", "credit_collection.group_credit_manager", cls.company_b
        )

    def test_accounting_groups_imply_credit_groups(self):
        controller = "credit_collection.group_credit_controller"
        manager = "credit_collection.group_credit_manager"
        self.assertTrue(self.accountant.has_group(controller))
        self.assertFalse(self.accountant.has_group(manager))
        self.assertTrue(self.account_admin.has_group(manager))
        self.assertTrue(self.manager_a.has_group(controller))
        self.assertTrue(self.controller_a.has_group("account.group_account_invoice"))
        self.assertFalse(self.billing_user.has_group(controller))

    def test_plain_billing_user_cannot_open_configuration(self):
        Scenario = self.env["credit.dunning.scenario"].with_user(self.billing_user)
        self.assertFalse(Scenario.has_access("read"))
        with self.assertRaises(AccessError):
            Scenario.search([])
        visible_menus = (
            self.env["ir.ui.menu"].with_user(self.billing_user)._visible_menu_ids()
        )
        for xmlid in (
            "credit_collection.credit_collection_menu_root",
            "credit_collection.credit_dunning_scenario_menu",
        ):
            self.assertNotIn(self.env.ref(xmlid).id, visible_menus, xmlid)

    def test_controller_reads_but_cannot_configure(self):
        Scenario = self.env["credit.dunning.scenario"].with_user(self.controller_a)
        self.assertIn(self.scenario_a, Scenario.search([]))
        with self.assertRaises(AccessError):
            Scenario.create({"name": "Not allowed"})
        with self.assertRaises(AccessError):
            self.scenario_a.with_user(self.controller_a).name = "Renamed"
        visible_menus = (
            self.env["ir.ui.menu"].with_user(self.controller_a)._visible_menu_ids()
        )
        self.assertIn(
            self.env.ref("credit_collection.credit_collection_menu_root").id,
            visible_menus,
        )

    def test_manager_configures_own_company(self):
        scenario = (
            self.env["credit.dunning.scenario"]
            .with_user(self.manager_a)
            .create({"name": "Firm", "company_id": self.company_a.id})
        )
        scenario.level_ids = [(0, 0, {"name": "Formal notice", "days_offset": 35})]
        self.assertEqual(scenario.level_count, 1)
        self.assertEqual(scenario.level_ids.company_id, self.company_a)

    def test_company_b_sees_nothing_of_company_a(self):
        Scenario = self.env["credit.dunning.scenario"].with_user(self.manager_b)
        visible = Scenario.search([])
        self.assertNotIn(self.scenario_a, visible)
        self.assertIn(self.scenario_b, visible)
        self.assertIn(self.scenario_shared, visible)
        with self.assertRaises(AccessError):
            self.scenario_a.with_user(self.manager_b).read(["name"])
        levels = self.env["credit.dunning.level"].with_user(self.manager_b).search([])
        self.assertNotIn(self.scenario_a.level_ids, levels)

    def test_default_scenario_must_belong_to_the_company(self):
        with self.assertRaises(ValidationError):
            self.company_a.credit_default_scenario_id = self.scenario_b
        self.company_a.credit_default_scenario_id = self.scenario_shared
        self.assertEqual(
            self.company_a.credit_default_scenario_id, self.scenario_shared
        )

    def test_two_levels_cannot_share_a_day(self):
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.scenario_a.level_ids = [
                (0, 0, {"name": "Duplicate", "days_offset": 7}),
            ]
            self.scenario_a.flush_recordset()
