from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..compat import GROUPS_FIELD
from .common import CreditCollectionCommon

TODAY = date(2026, 7, 15)


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestCollectionDashboard(CreditCollectionCommon):
    """The manager's dashboard on 2026-07-15, against the snapshot of June,
    on a ledger computed by hand.

    Dupont: A 1,000 due 05-31 (400 paid 07-10 after a second reminder on
    07-08), B 2,000 due 06-30, C 4,000 due 07-31 (dated 07-01), D 500 due
    06-15 (paid 07-05 after a first reminder on 06-20). Martin, on the key
    account scenario: E 300 due 06-10, reminded 06-25, paid 07-12.

    End of June: receivable 3,800, overdue 1,800 (A, D, E), sales June
    2,800 and May 1,000, so DSO countback 30 + 31 = 61 days; nothing
    collected; two reminder emails.
    Today: receivable 600 + 2,000 + 4,000 = 6,600, overdue 2,600 (A, B);
    DSO 15 days of July (4,000) + 2,600 / 2,800 of June's 30 days = 42.9;
    due in July 3,800, collected 1,200; one email and one call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Dashboard = cls.env["credit.collection.dashboard"]
        cls.company.write({"credit_cost_email": 1.5, "credit_cost_call": 12.0})
        cls.key_scenario = cls.env["credit.dunning.scenario"].create(
            {
                "name": "Key accounts",
                "company_id": cls.company.id,
                "level_ids": [Command.create(cls._level("Key first", 10, "reminder"))],
            }
        )
        cls.key_level = cls.key_scenario.level_ids
        cls.martin = cls._customer("Martin SARL")
        cls.martin.with_company(cls.company).credit_scenario_id = cls.key_scenario
        cls.company_2 = cls.setup_other_company(name="Second Co")["company"]
        cls.gamma = cls._customer("Gamma SA", company=cls.company_2)
        cls.delta = cls._customer("Delta SA", company=cls.company_2)
        with freeze_time("2026-07-15"):
            cls._craft_ledger()

    @classmethod
    def _craft_ledger(cls):
        dupont = cls.customer
        cls.inv_a = cls.make_invoice(dupont, 1000, "2026-05-31")
        cls.inv_b = cls.make_invoice(dupont, 2000, "2026-06-30")
        cls.inv_c = cls.make_invoice(dupont, 4000, "2026-07-31")
        cls.inv_d = cls.make_invoice(dupont, 500, "2026-06-15")
        cls.inv_e = cls.make_invoice(cls.martin, 300, "2026-06-10")
        cls.notice_d = cls.make_notice(cls.level_first, "2026-06-20", cls.inv_d)
        cls.notice_e = cls.make_notice(cls.key_level, "2026-06-25", cls.inv_e)
        cls.notice_a = cls.make_notice(cls.level_second, "2026-07-08", cls.inv_a)
        cls.pay(cls.inv_d, 500, "2026-07-05")
        cls.pay(cls.inv_a, 400, "2026-07-10")
        cls.pay(cls.inv_e, 300, "2026-07-12")
        # The snapshot of June, as the monthly scheduled action takes it.
        cls.june = cls.env["credit.collection.snapshot"]._credit_take_snapshot(
            cls.company, date(2026, 6, 30)
        )
        # Company 2: two overdue customers, no snapshot.
        cls.make_invoice(cls.gamma, 700, "2026-06-01", company=cls.company_2)
        cls.inv_delta = cls.make_invoice(
            cls.delta, 900, "2026-06-20", company=cls.company_2
        )

    @classmethod
    def _promise(cls, invoice, on, state, company=None):
        promise = cls.env["credit.promise"].create(
            {
                "partner_id": invoice.partner_id.id,
                "company_id": (company or cls.company).id,
                "move_ids": [Command.set(invoice.ids)],
                "amount": 100,
                "promise_date": on,
            }
        )
        promise.state = state
        return promise

    def _data(self, companies=None, user=None, **kwargs):
        """The dashboard's data as the client gets it: the first company is
        the current one, the others are selected in the switcher."""
        companies = companies or self.company
        dashboard = self.Dashboard.with_context(allowed_company_ids=companies.ids)
        if user:
            dashboard = dashboard.with_user(user)
        return dashboard.get_dashboard_data(**kwargs)

    @staticmethod
    def _kpis(data):
        return {kpi["key"]: kpi for kpi in data["kpis"]}

    def _worklist(self):
        """Records the worklist counts are made of, one of each kind, and
        their look-alikes that must not count."""
        self.make_notice(self.level_formal, "2026-07-14", self.inv_b, "to_validate")
        self.make_notice(self.level_formal, "2026-07-14", self.inv_b, "cancelled")
        self.make_notice(
            self.level_formal, "2026-07-14", self.inv_b, letter_to_print=True
        )
        for notice, deadline in ((self.notice_a, TODAY), (self.notice_d, "2026-07-20")):
            notice.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=deadline,
                user_id=self.env.user.id,
            )
        self.make_notice(
            self.level_formal, "2026-07-14", self.inv_delta, "to_validate"
        )  # company 2

    def test_june_snapshot_is_the_reference(self):
        self.assertRecordValues(
            self.june,
            [
                {
                    "amount_receivable": 3800.0,
                    "amount_overdue": 1800.0,
                    "overdue_percent": 47.37,
                    "dso_countback": 61.0,
                    "recovery_rate": 0.0,
                    "promise_kept_rate": 0.0,
                    "collection_cost": 3.0,
                }
            ],
        )

    def test_kpis_and_their_change_since_june(self):
        self._worklist()
        data = self._data()
        self.assertEqual(data["company"], self.company.name)
        self.assertEqual(data["branches"], [])
        self.assertTrue(data["compared_with"])
        kpis = self._kpis(data)
        self.assertEqual(
            list(kpis),
            [
                "receivable",
                "overdue",
                "dso",
                "recovery_rate",
                "to_validate",
                "calls",
                "letters",
            ],
        )
        expected = {
            "receivable": (6600.0, 2800.0, "changed"),
            "overdue": (2600.0, 800.0, "worse"),
            "dso": (42.9, -18.1, "better"),
            # 1,200 collected of 3,800 due in July.
            "recovery_rate": (31.58, 31.58, "better"),
        }
        for key, (value, delta, trend) in expected.items():
            self.assertAlmostEqual(kpis[key]["value"], value, 2, key)
            self.assertAlmostEqual(kpis[key]["delta"], delta, 2, key)
            self.assertEqual(kpis[key]["trend"], trend, key)
        self.assertIn("6,600.00", kpis["receivable"]["display"])
        self.assertEqual(
            {key: kpis[key]["value"] for key in ("to_validate", "calls", "letters")},
            {"to_validate": 1, "calls": 1, "letters": 1},
        )

    def test_no_snapshot_no_trend(self):
        self.june.unlink()
        data = self._data()
        kpis = self._kpis(data)
        self.assertEqual(kpis["overdue"]["value"], 2600.0)
        self.assertNotIn("trend", kpis["overdue"])
        self.assertFalse(data["compared_with"])
        # The trend chart has today only.
        self.assertEqual(data["charts"]["trend"]["overdue"], [2600.0])

    def test_charts(self):
        charts = self._data()["charts"]
        self.assertEqual(len(charts["aging"]["labels"]), 6)
        self.assertEqual(
            charts["aging"]["values"], [4000.0, 2000.0, 600.0, 0.0, 0.0, 0.0]
        )
        # June's snapshot, then today.
        self.assertEqual(len(charts["trend"]["labels"]), 2)
        self.assertEqual(charts["trend"]["overdue"], [1800.0, 2600.0])
        self.assertEqual(charts["trend"]["dso"], [61.0, 42.9])
        # Recovered per step: each payment credited to the last notice.
        self.assertEqual(
            dict(
                zip(
                    charts["recovered"]["labels"],
                    charts["recovered"]["values"],
                    strict=True,
                )
            ),
            {
                f"{self.scenario.name} · {self.level_first.name}": 500.0,
                f"{self.scenario.name} · {self.level_second.name}": 400.0,
                f"{self.key_scenario.name} · {self.key_level.name}": 300.0,
            },
        )
        # Collectors of June's snapshot, most overdue first.
        june_lines = self.june.collector_line_ids.sorted(
            lambda line: -line.amount_overdue
        )
        self.assertEqual(
            charts["collectors"]["overdue"], june_lines.mapped("amount_overdue")
        )
        self.assertEqual(sum(charts["collectors"]["overdue"]), 1800.0)

    def test_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        data = self.Dashboard.with_context(
            lang="fr_FR", allowed_company_ids=self.company.ids
        ).get_dashboard_data()
        kpis = self._kpis(data)
        self.assertIn("6\xa0600,00", kpis["receivable"]["display"])
        self.assertIn("42,9", kpis["dso"]["display"])
        self.assertEqual(data["date"], "15/07/2026")

    def test_kpis_open_their_lists(self):
        self._worklist()
        kpis = self._kpis(self._data())
        for key, model, count in (
            ("receivable", "account.move", 3),  # A (partly paid), B, C
            ("overdue", "account.move", 2),
            ("to_validate", "credit.notice", 1),
            ("calls", "credit.notice", 1),
            ("letters", "credit.notice", 1),
            ("recovery_rate", "credit.recovery.analysis", 3),
            ("dso", "credit.collection.snapshot", 1),
        ):
            action = self.Dashboard.with_context(
                allowed_company_ids=self.company.ids
            ).action_credit_open_kpi(key)
            self.assertEqual(action["res_model"], model, key)
            self.assertEqual(self.env[model].search_count(action["domain"]), count, key)
            if key in ("to_validate", "calls", "letters"):
                self.assertEqual(kpis[key]["value"], count, key)
        calls = self.Dashboard.with_context(
            allowed_company_ids=self.company.ids
        ).action_credit_open_kpi("calls")
        notices = self.env["credit.notice"].search(calls["domain"])
        self.assertEqual(notices, self.notice_a)
        with self.assertRaises(UserError):
            self.Dashboard.action_credit_open_kpi("unknown")

    def test_follows_the_current_company(self):
        """The first selected company is the current one: its figures only,
        the other selected company is not added (it is not a branch)."""
        self._worklist()
        data = self._data(self.company_2 | self.company)
        self.assertEqual(data["company"], "Second Co")
        kpis = self._kpis(data)
        self.assertEqual(kpis["receivable"]["value"], 1600.0)
        self.assertEqual(kpis["overdue"]["value"], 1600.0)
        self.assertEqual(kpis["to_validate"]["value"], 1)
        self.assertNotIn("trend", kpis["receivable"])
        self.assertEqual(self._kpis(self._data())["receivable"]["value"], 6600.0)

    def test_other_company_never_shown(self):
        """A user not allowed in company 2, or not having it selected, never
        gets its figures, even by asking for it by id."""
        for user, companies in (
            (self.collector, self.company),  # not allowed in company 2
            (self.env.user, self.company),  # allowed, not selected
        ):
            dashboard = self.Dashboard.with_user(user).with_context(
                allowed_company_ids=companies.ids
            )
            with self.assertRaises(AccessError):
                dashboard.get_dashboard_data(company_id=self.company_2.id)
            with self.assertRaises(AccessError):
                dashboard.action_credit_open_kpi(
                    "overdue", company_id=self.company_2.id
                )
            # Nor through the indicators' raw SQL.
            with self.assertRaises(AccessError):
                dashboard.env["credit.collection.kpi"]._credit_recovery(
                    self.company_2, date(2026, 7, 1), TODAY
                )
        with self.assertRaises(AccessError):
            self._data(self.company_2, user=self.collector)
        # Passing its own company is fine.
        data = self._data(user=self.collector, company_id=self.company.id)
        self.assertEqual(self._kpis(data)["receivable"]["value"], 6600.0)

    def test_branches_selected_are_added(self):
        self.company.write({"child_ids": [Command.create({"name": "Branch Lyon"})]})
        self.env.cr.precommit.run()  # the branch shares the chart of accounts
        branch = self.company.child_ids
        self.env.user.company_ids |= branch
        self.make_invoice(self.customer, 250, "2026-06-30", company=branch)
        both = self._data(self.company | branch)
        self.assertEqual(both["branches"], ["Branch Lyon"])
        kpis = self._kpis(both)
        self.assertEqual(kpis["receivable"]["value"], 6850.0)
        self.assertEqual(kpis["overdue"]["value"], 2850.0)
        # The branch not selected is left out.
        self.assertEqual(self._kpis(self._data())["receivable"]["value"], 6600.0)

    def test_credit_users_only(self):
        billing = new_test_user(
            self.env,
            login="dashboard_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self._data(user=billing)
        with self.assertRaises(AccessError):
            self.Dashboard.with_user(billing).action_credit_open_kpi("overdue")
        # Credit controllers work with it (and the dry run); the missing
        # rates are the managers' business.
        data = self._data(user=self.collector)
        self.assertEqual(self._kpis(data)["overdue"]["value"], 2600.0)
        self.assertEqual(data["missing_rates"], [])
        preview = (
            self.env["credit.dunning.preview"]
            .with_user(self.collector)
            .create({"company_id": self.company.id})
        )
        preview.action_compute()
        menu = self.env.ref("credit_collection.credit_collection_dashboard_menu")
        controller = self.env.ref("credit_collection.group_credit_controller")
        self.assertEqual(menu[GROUPS_FIELD], controller)
        siblings = menu.parent_id.child_id.sorted("sequence")
        self.assertEqual(siblings[0], menu)


@tagged("post_install", "-at_install")
class TestCollectionDashboardTour(CreditCollectionCommon, HttpCase):
    """The dashboard as the manager sees it in the browser: the KPIs with
    their trend, the four charts drawn, a KPI opening its list."""

    def test_tour_dashboard(self):
        today = fields.Date.context_today(self.env.user)
        old = self.make_invoice(self.customer, 1000, today - timedelta(days=40))
        last_month_end = today.replace(day=1) - timedelta(days=1)
        self.env["credit.collection.snapshot"]._credit_take_snapshot(
            self.company, last_month_end
        )
        self.make_invoice(self.customer, 500, today)
        self.make_notice(self.level_formal, today, old, "to_validate")
        self.start_tour(
            "/odoo/action-credit_collection.credit_collection_dashboard_action",
            "credit_collection_dashboard",
            login=self.env.user.login,
        )
