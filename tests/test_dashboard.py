from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
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

    def _refresh(self, companies=None):
        companies = companies or self.company
        return self.Dashboard.with_context(
            allowed_company_ids=companies.ids
        )._credit_refresh(companies)

    def _worklist(self):
        """Records the worklist counts are made of, one of each kind, and
        their look-alikes that must not count."""
        self.make_notice(self.level_formal, "2026-07-14", self.inv_b, "to_validate")
        self.make_notice(self.level_formal, "2026-07-14", self.inv_b, "cancelled")
        for notice, deadline in ((self.notice_a, TODAY), (self.notice_d, "2026-07-20")):
            notice.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=deadline,
                user_id=self.env.user.id,
            )
        self._promise(self.inv_d, "2026-07-05", "kept")
        self._promise(self.inv_a, "2026-07-12", "broken")
        self._promise(self.inv_a, "2026-05-10", "broken")  # too old to chase
        self._promise(self.inv_b, "2026-07-15", "open")
        self._promise(self.inv_c, "2026-07-20", "open")  # not due yet
        self._promise(self.inv_delta, "2026-07-15", "open", company=self.company_2)
        self.customer.with_company(self.company).write(
            {"credit_hold": True, "credit_hold_reason": "Formal notice"}
        )

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

    def test_headline_numbers_and_trends(self):
        self._worklist()
        dashboard = self._refresh()
        self.assertRecordValues(
            dashboard,
            [
                {
                    "company_id": self.company.id,
                    "date": TODAY,
                    "snapshot_id": self.june.id,
                    "amount_receivable": 6600.0,
                    "amount_receivable_delta": 2800.0,
                    "amount_receivable_trend": "changed",
                    "amount_overdue": 2600.0,
                    "amount_overdue_delta": 800.0,
                    "amount_overdue_trend": "worse",
                    "overdue_percent": 39.39,
                    "overdue_percent_delta": -7.98,
                    "overdue_percent_trend": "better",
                    "dso": 42.9,
                    "dso_delta": -18.1,
                    "dso_trend": "better",
                    # 1,200 collected of 3,800 due in July.
                    "recovery_rate": 31.58,
                    "recovery_rate_delta": 31.58,
                    "recovery_rate_trend": "better",
                    # 07-05 kept, 07-12 broken; the open one does not count.
                    "promise_kept_rate": 50.0,
                    "promise_kept_rate_delta": 50.0,
                    "promise_kept_rate_trend": "better",
                    # One email (1.5) and one call (12); June: two emails.
                    "collection_cost": 13.5,
                    "collection_cost_delta": 10.5,
                    "collection_cost_trend": "worse",
                }
            ],
        )
        buckets = dashboard.bucket_ids.sorted("bucket")
        self.assertEqual(
            buckets.mapped("amount"), [4000.0, 2000.0, 600.0, 0.0, 0.0, 0.0]
        )
        self.assertEqual(buckets[0].bucket, "0_not_due")
        # The aging chart groups by bucket, youngest first.
        action = dashboard.action_credit_open_aging()
        groups = self.env[action["res_model"]]._read_group(
            action["domain"], ["bucket"], ["amount:sum"]
        )
        self.assertEqual(
            [amount for _bucket, amount in groups],
            [4000.0, 2000.0, 600.0, 0.0, 0.0, 0.0],
        )

    def test_refresh_updates_the_same_card(self):
        dashboard = self._refresh()
        self.pay(self.inv_b, 2000, "2026-07-15")
        again = self._refresh()
        self.assertEqual(again, dashboard)
        self.assertEqual(self.Dashboard.search_count([]), 1)
        self.assertEqual(dashboard.amount_overdue, 600.0)
        self.assertEqual(len(dashboard.bucket_ids), 6)
        self.assertEqual(
            sum(dashboard.bucket_ids.mapped("amount")), dashboard.amount_receivable
        )

    def test_no_snapshot_no_trend(self):
        self.june.unlink()
        dashboard = self._refresh()
        self.assertFalse(dashboard.snapshot_id)
        self.assertEqual(dashboard.amount_overdue, 2600.0)
        self.assertFalse(dashboard.amount_overdue_trend)
        self.assertFalse(dashboard.dso_trend)
        self.assertEqual(dashboard.amount_overdue_delta, 0.0)

    def test_worklist_counts_and_lists(self):
        self._worklist()
        dashboard = self._refresh()
        self.assertRecordValues(
            dashboard,
            [
                {
                    "notice_to_validate_count": 1,
                    "call_count": 1,
                    "promise_due_count": 1,
                    "promise_broken_count": 1,
                    "credit_hold_count": 1,
                }
            ],
        )
        for method, model, count in (
            ("action_credit_open_to_validate", "credit.notice", 1),
            ("action_credit_open_calls", "credit.notice", 1),
            ("action_credit_open_promises_due", "credit.promise", 1),
            ("action_credit_open_promises_broken", "credit.promise", 1),
            ("action_credit_open_credit_hold", "res.partner", 1),
        ):
            action = getattr(dashboard, method)()
            self.assertEqual(action["res_model"], model)
            self.assertEqual(
                self.env[model].search_count(action["domain"]), count, method
            )
        calls = dashboard.action_credit_open_calls()
        notices = self.env["credit.notice"].search(calls["domain"])
        self.assertEqual(notices, self.notice_a)
        hold = dashboard.action_credit_open_credit_hold()
        self.assertEqual(self.env["res.partner"].search(hold["domain"]), self.customer)

    def test_companies_are_kept_apart(self):
        self._worklist()
        both = self.company | self.company_2
        dashboards = self._refresh(both)
        self.assertEqual(dashboards.company_id, both)
        mine = dashboards.filtered(lambda d: d.company_id == self.company)
        theirs = dashboards.filtered(lambda d: d.company_id == self.company_2)
        self.assertEqual(mine.amount_receivable, 6600.0)
        self.assertRecordValues(
            theirs,
            [
                {
                    "amount_receivable": 1600.0,
                    "amount_overdue": 1600.0,
                    "collection_cost": 0.0,
                    "snapshot_id": False,
                    "amount_receivable_trend": False,
                    "notice_to_validate_count": 0,
                    "call_count": 0,
                    "promise_due_count": 1,
                    "promise_broken_count": 0,
                    "credit_hold_count": 0,
                }
            ],
        )
        self.assertEqual(mine.promise_due_count, 1)
        # Top overdue customers of company 2: its own, largest first.
        action = theirs.action_credit_open_top_overdue()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(lines.partner_id.ids, [self.delta.id, self.gamma.id])
        self.assertEqual(lines.mapped("amount_overdue"), [900.0, 700.0])
        action = mine.action_credit_open_top_overdue()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(lines.partner_id, self.customer)
        self.assertEqual(lines.amount_overdue, 2600.0)
        # A user in company 1 only sees company 1's card.
        self.assertEqual(
            self.Dashboard.with_context(allowed_company_ids=self.company.ids).search(
                []
            ),
            mine,
        )

    def test_credit_users_only(self):
        self._refresh()
        billing = new_test_user(
            self.env,
            login="dashboard_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self.Dashboard.with_user(billing).search([])
        with self.assertRaises(AccessError):
            self.Dashboard.with_user(billing).action_credit_open_dashboard()
        # Credit controllers work with it too (and the dry run).
        action = (
            self.Dashboard.with_user(self.collector)
            .with_context(allowed_company_ids=self.company.ids)
            .action_credit_open_dashboard()
        )
        self.assertEqual(action["res_model"], "credit.collection.dashboard")
        self.assertEqual(
            self.Dashboard.browse(action["domain"][0][2]).company_id, self.company
        )
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

    def test_recovered_per_level_and_scenario(self):
        expected = {
            (self.scenario, self.level_first): 500.0,
            (self.scenario, self.level_second): 400.0,
            (self.key_scenario, self.key_level): 300.0,
        }
        dashboard = self._refresh()
        action = dashboard.action_credit_open_recovery()
        Analysis = self.env[action["res_model"]]
        groups = Analysis._read_group(
            action["domain"] + [("date", ">=", "2026-07-01")],
            ["scenario_id", "level_id"],
            ["amount:sum"],
        )
        self.assertEqual(
            {(scenario, level): amount for scenario, level, amount in groups},
            expected,
        )
        rows = Analysis.search(action["domain"])
        self.assertEqual(
            set(rows.mapped("channel")), {"email", "call"}
        )  # the second step has a call task
        self.assertEqual(rows.move_id, self.inv_a | self.inv_d | self.inv_e)
        # The calculator gives the same figures.
        by_level = self.env["credit.collection.kpi"]._credit_recovered_by_level(
            self.company, date(2026, 7, 1), TODAY
        )
        self.assertEqual(
            {(row["scenario_id"], row["level_id"]): row["amount"] for row in by_level},
            {
                (scenario.id, level.id): amount
                for (scenario, level), amount in expected.items()
            },
        )
        # Company 2 paid nothing after a reminder; its analysis is empty.
        self.assertFalse(Analysis.search([("company_id", "=", self.company_2.id)]))
        # Controllers may read it (it is collection analytics).
        self.assertEqual(Analysis.with_user(self.collector).search_count([]), len(rows))


@tagged("post_install", "-at_install")
class TestCollectionDashboardTour(CreditCollectionCommon, HttpCase):
    """The dashboard as the manager sees it in the browser: the card with
    its trend, the aging chart, a worklist button."""

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
            "/odoo/action-credit_collection.credit_collection_dashboard_action_server",
            "credit_collection_dashboard",
            login=self.env.user.login,
        )
        self.assertEqual(
            self.env["credit.collection.dashboard"]
            .search([("company_id", "=", self.company.id)])
            .amount_receivable,
            1500.0,
        )
