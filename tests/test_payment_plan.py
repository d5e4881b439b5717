import re
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import CreditCollectionCommon


@tagged("post_install", "-at_install")
class TestPaymentPlan(CreditCollectionCommon):
    """Payment plans over real invoices: schedule, pause, allocation of the
    payments, late and broken plans, cancellation, limits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["credit.payment.plan"]
        cls.manager = new_test_user(
            cls.env,
            login="plan_manager",
            groups="credit_collection.group_credit_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.grade = cls.env["credit.risk.grade"].create(
            {
                "name": "Watch",
                "code": "W",
                "company_id": cls.company.id,
                "min_score": 0,
                "max_score": 100,
                "max_plan_installments": 3,
            }
        )

    def plan(self, invoices, count=3, first="2026-04-01", user=None, **params):
        values = {
            "first_date": date.fromisoformat(first),
            "installment_count": count,
            "frequency": "monthly",
            **params,
        }
        Plan = self.Plan.with_user(user) if user else self.Plan
        return Plan._credit_create_plan(invoices.partner_id, invoices, values)

    def check_plans(self, day):
        with freeze_time(day):
            return self.Plan._credit_break_overdue_plans(date.fromisoformat(day))

    def states(self, plan):
        return [(i.paid_amount, i.state) for i in plan.installment_ids]

    # ------------------------------------------------------------------
    def test_wizard_from_customer_previews_and_activates(self):
        first = self.make_invoice(self.customer, 600, "2026-02-20")
        second = self.make_invoice(self.customer, 400, "2026-02-25")
        with freeze_time("2026-03-10"):
            wizard = (
                self.env["credit.payment.plan.wizard"]
                .with_user(self.collector)
                .with_context(active_model="res.partner", active_id=self.customer.id)
                .create({"installment_count": 3, "first_date": "2026-03-31"})
            )
            self.assertEqual(wizard.move_ids, first | second)
            self.assertEqual(wizard.amount_invoices, 1000)
            self.assertEqual(wizard.schedule_count, 3)
            self.assertIn("333.34", wizard.preview_html)
            self.assertFalse(wizard.preview_error)
            wizard.installment_count = 0
            self.assertTrue(wizard.preview_error)
            wizard.installment_count = 3
            action = wizard.action_create_activate()
        plan = self.Plan.browse(action["res_id"])
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.partner_id, self.customer)
        self.assertEqual(
            plan.installment_ids.mapped("amount"), [333.33, 333.33, 333.34]
        )
        self.assertEqual(
            plan.installment_ids.mapped("date_due"),
            [date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)],
        )
        self.assertEqual(plan.amount_total, 1000)
        mail = self.env["mail.mail"].search(
            [("model", "=", plan._name), ("res_id", "=", plan.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids.email, "ap.dupont@example.com")
        self.assertTrue(mail.attachment_ids, "the printable schedule is attached")
        self.assertEqual(self.customer.credit_payment_plan_count, 1)
        self.assertEqual(first.credit_payment_plan_ids, plan)

        # a second plan for the same customer proposes nothing already planned
        with freeze_time("2026-03-10"):
            third = self.make_invoice(self.customer, 50, "2026-03-01")
            again = (
                self.env["credit.payment.plan.wizard"]
                .with_context(active_model="res.partner", active_id=self.customer.id)
                .create({})
            )
        self.assertEqual(again.move_ids, third)

    def test_wizard_from_invoices_and_from_notice(self):
        invoice = self.make_invoice(self.customer, 900, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        with freeze_time("2026-03-10"):
            Wizard = self.env["credit.payment.plan.wizard"]
            from_moves = Wizard.with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"first_date": "2026-03-20"})
            from_notice = Wizard.with_context(
                active_model="credit.notice", active_ids=notice.ids
            ).create(
                {
                    "plan_by": "amount",
                    "installment_amount": 400,
                    "frequency": "weekly",
                    "first_date": "2026-03-20",
                }
            )
            self.assertEqual(from_moves.partner_id, self.customer)
            self.assertEqual(from_notice.move_ids, invoice)
            plan = self.Plan.browse(from_notice.action_create()["res_id"])
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.installment_ids.mapped("amount"), [400, 400, 100])
        self.assertEqual(
            plan.installment_ids.mapped("date_due"),
            [date(2026, 3, 20), date(2026, 3, 27), date(2026, 4, 3)],
        )

    def test_activation_pauses_dunning_and_payments_fill_installments_in_order(self):
        invoice = self.make_invoice(self.customer, 900, "2026-03-02")
        other = self.make_invoice(self.customer, 100, "2026-03-02")
        with freeze_time("2026-03-05"):
            plan = self.plan(invoice, count=3, down_payment=300)
            self.assertEqual(
                plan.installment_ids.mapped("amount"), [300, 200, 200, 200]
            )
            # a draft plan does not pause anything yet
            self.assertFalse(invoice._credit_paused_move_ids(date(2026, 3, 5)))
            plan.action_activate()
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.line_ids.move_id, other, "only the invoice outside")

        with freeze_time("2026-03-12"):
            self.pay(invoice, 250, on="2026-03-12")
            self.assertEqual(
                self.states(plan),
                [(250, "late"), (0, "open"), (0, "open"), (0, "open")],
            )
            self.pay(other, on="2026-03-12")
            self.assertEqual(plan.amount_paid, 250, "another invoice does not count")
            self.pay(invoice, 150, on="2026-03-12")
        self.assertEqual(
            self.states(plan), [(300, "paid"), (100, "open"), (0, "open"), (0, "open")]
        )
        self.assertEqual(plan.amount_remaining, 500)
        self.assertAlmostEqual(plan.progress, 400 / 9)
        self.assertEqual(plan.next_due_date, date(2026, 4, 1))
        with freeze_time("2026-04-20"):
            self.pay(invoice, 500, on="2026-04-20")
        self.assertEqual(plan.state, "done")
        self.assertEqual(set(plan.installment_ids.mapped("state")), {"paid"})
        self.assertEqual(plan.progress, 100)

    def test_late_installment_breaks_plan_after_grace_and_dunning_resumes(self):
        self.customer.with_company(self.company).credit_collector_id = self.collector
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        self.assertEqual(self.run_dunning("2026-03-09").level_id, self.level_first)
        with freeze_time("2026-03-10"):
            plan = self.plan(invoice, count=2, first="2026-03-20")
            plan.action_activate()
        self.assertFalse(self.run_dunning("2026-03-25"))

        self.assertEqual(self.check_plans("2026-03-21"), (1, 0))
        self.assertEqual(plan.installment_ids[0].state, "late")
        self.assertEqual(plan.state, "active")
        self.assertEqual(self.check_plans("2026-03-30"), (0, 0), "grace: 10 days")
        self.assertEqual(plan.state, "active")
        self.assertFalse(self.run_dunning("2026-03-30"))

        with freeze_time("2026-03-31"):
            self.assertEqual(self.Plan._cron_check_payment_plans(), 0)
        self.assertEqual(plan.state, "broken")
        self.assertEqual(plan.date_broken, date(2026, 3, 31))
        self.assertEqual(plan.activity_ids.user_id, self.collector)
        notice = self.run_dunning("2026-03-31")
        self.assertEqual(
            notice.level_id, self.level_second, "resumes after the level it reached"
        )
        with freeze_time("2026-03-31"):
            broken = self.env["credit.risk.score"]._credit_broken_promises(
                self.customer, self.company
            )
        self.assertEqual(broken, {self.customer.id: 1})

    def test_grace_period_is_a_company_setting(self):
        self.company.credit_plan_grace_days = 0
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        with freeze_time("2026-03-10"):
            plan = self.plan(invoice, count=2, first="2026-03-20")
            plan.action_activate()
        self.check_plans("2026-03-21")
        self.assertEqual(plan.state, "broken")
        with self.assertRaises(ValidationError):
            self.company.credit_plan_grace_days = -1

    def test_statement_shows_the_plan_and_asks_its_installments_due(self):
        invoice = self.make_invoice(self.customer, 1200, "2026-03-02")
        self.make_invoice(self.customer, 100, "2026-03-20")  # outside the plan
        with freeze_time("2026-03-10"):
            plan = self.plan(invoice, count=3, first="2026-04-01")
            plan.action_activate()
        Statement = self.env["report.credit_collection.report_credit_statement"]
        values = Statement._statement_values(self.customer, self.company, "2026-04-15")[
            self.customer.id
        ]
        # First installment (400) due, plus the invoice outside the plan.
        self.assertEqual(values["amount_due_now"], 500.0)
        self.assertEqual(values["total_overdue"], 1300.0)
        self.assertEqual(values["plans"], plan)
        planned = [item for item in values["items"] if item["plan"]]
        self.assertEqual([item["move"] for item in planned], [invoice])
        with freeze_time("2026-04-15"):  # a statement is of today
            html = self.env["ir.actions.report"]._render_qweb_html(
                "credit_collection.action_report_credit_statement", self.customer.ids
            )[0]
        html = html.decode()
        self.assertRegex(html, rf"Payment plan\s+<span>{re.escape(plan.name)}</span>")
        self.assertIn("o_credit_statement_plan", html)
        self.assertRegex(html, r"amount due of <strong[^>]*>[^<]*<span[^>]*>500\.00")

    def test_cancel_restores_everything(self):
        invoice = self.make_invoice(self.customer, 1200, "2026-03-02")
        with freeze_time("2026-03-01"):
            plan = self.plan(
                invoice, count=3, first="2026-04-01", fee_amount=30, interest_rate=10
            )
            plan.action_activate()
        charge = plan.charge_move_id
        self.assertEqual(charge.state, "posted")
        self.assertAlmostEqual(charge.amount_total, plan.interest_amount + 30)
        # Interest and fee are other income, never sales of goods.
        self.assertEqual(
            set(charge.invoice_line_ids.account_id.mapped("account_type")),
            {"income_other"},
        )
        self.assertEqual(plan.interest_amount, 20.16)
        self.assertEqual(plan.move_ids, invoice | charge)
        self.assertAlmostEqual(plan.amount_total, 1200 + 20.16 + 30)
        self.assertFalse(self.run_dunning("2026-03-09"))

        with freeze_time("2026-03-10"):
            plan.action_cancel()
        self.assertEqual(plan.state, "cancelled")
        self.assertEqual(set(plan.installment_ids.mapped("state")), {"cancelled"})
        self.assertEqual(charge.payment_state, "reversed")
        self.assertEqual(self.run_dunning("2026-03-10").level_id, self.level_first)
        with self.assertRaises(UserError):
            plan.action_cancel()
        # the invoice is free for a new plan
        with freeze_time("2026-03-10"):
            self.assertEqual(self.plan(invoice).state, "draft")

    def test_interest_and_fee_are_paid_through_the_plan(self):
        invoice = self.make_invoice(self.customer, 1200, "2026-03-02")
        with freeze_time("2026-03-01"):
            plan = self.plan(invoice, count=3, first="2026-04-01", fee_amount=30)
            plan.action_activate()
        self.assertEqual(plan.installment_ids.mapped("amount"), [410, 410, 410])
        with freeze_time("2026-04-01"):
            self.pay(invoice, on="2026-04-01")
            self.assertEqual(plan.amount_paid, 1200)
            self.assertEqual(plan.state, "active")
            self.pay(plan.charge_move_id, on="2026-04-01")
        self.assertEqual(plan.state, "done")

    def test_grade_limit_and_manager_override(self):
        self.customer.with_company(
            self.company
        ).sudo().credit_risk_grade_id = self.grade
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        with freeze_time("2026-03-10"):
            with self.assertRaises(AccessError):
                self.plan(invoice, count=4, user=self.collector)
            wizard = (
                self.env["credit.payment.plan.wizard"]
                .with_user(self.collector)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"installment_count": 4, "first_date": "2026-04-01"})
            )
            self.assertEqual(wizard.max_installments, 3)
            self.assertTrue(wizard.over_limit)
            with self.assertRaises(AccessError):
                wizard.action_create()
            within = self.plan(invoice, count=3, user=self.collector)
            self.assertFalse(within.exceeds_grade_limit)
            within.action_cancel()
            plan = self.plan(invoice, count=6, user=self.manager)
            self.assertTrue(plan.exceeds_grade_limit)
            self.assertIn("approved by", plan.message_ids[0].body)
            # a controller cannot activate what exceeds the limit either
            with self.assertRaises(AccessError):
                plan.with_user(self.collector).action_activate()
            plan.with_user(self.manager).action_activate()
        self.assertEqual(plan.state, "active")

    def test_portal_request_api(self):
        self.customer.with_company(
            self.company
        ).sudo().credit_risk_grade_id = self.grade
        first = self.make_invoice(self.customer, 600, "2026-03-02")
        second = self.make_invoice(self.customer, 300, "2026-03-02")
        portal_user = new_test_user(
            self.env,
            login="dupont_portal",
            groups="base.group_portal",
            partner_id=self.customer.child_ids[0].id,
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        Plan = self.Plan.with_user(portal_user).sudo()
        with freeze_time("2026-03-10"):
            with self.assertRaises(AccessError):
                Plan._credit_create_from_request(
                    self.customer, first, 4, "2026-04-01", auto_approve=True
                )
            draft = Plan._credit_create_from_request(
                self.customer, first, 2, "2026-04-01", auto_approve=False
            )
            approved = Plan._credit_create_from_request(
                self.customer, second, 3, "2026-04-01", auto_approve=True
            )
        self.assertEqual((draft.state, draft.source), ("draft", "portal"))
        self.assertEqual(approved.state, "active")
        self.assertEqual(self.Plan.with_user(portal_user).search([]), draft | approved)
        other = self._customer("Other Customer")
        other_invoice = self.make_invoice(other, 300, "2026-03-02")
        with freeze_time("2026-03-10"):
            foreign = self.plan(other_invoice)
        self.assertNotIn(foreign, self.Plan.with_user(portal_user).search([]))

    def test_bad_inputs(self):
        shared = self._customer("Shared SA", company_id=False)
        invoice = self.make_invoice(shared, 1000, "2026-03-02")
        stranger = self._customer("Stranger SA")
        strange_invoice = self.make_invoice(stranger, 500, "2026-03-02")
        other_company = self.setup_other_company(name="Other Co")["company"]
        foreign_invoice = self.make_invoice(
            shared, 500, "2026-03-02", company=other_company
        )
        with freeze_time("2026-03-10"):
            with self.assertRaisesRegex(UserError, "at least 1"):
                self.plan(invoice, count=0)
            with self.assertRaisesRegex(UserError, "in the past"):
                self.plan(invoice, first="2026-03-09")
            with self.assertRaisesRegex(UserError, "down payment"):
                self.plan(invoice, down_payment=1000)
            with self.assertRaisesRegex(ValidationError, "not invoices of"):
                self.Plan._credit_create_plan(
                    shared,
                    invoice | strange_invoice,
                    {"first_date": date(2026, 4, 1), "installment_count": 2},
                )
            with self.assertRaisesRegex(ValidationError, "another company"):
                self.Plan._credit_create_plan(
                    shared,
                    invoice | foreign_invoice,
                    {"first_date": date(2026, 4, 1), "installment_count": 2},
                )
            with self.assertRaisesRegex(ValidationError, "at least one invoice"):
                self.Plan._credit_create_plan(
                    self.customer,
                    self.env["account.move"],
                    {"first_date": date(2026, 4, 1), "installment_count": 2},
                )
            plans_before = self.Plan.search_count([])
            plan = self.plan(invoice)
            with self.assertRaisesRegex(ValidationError, "already in payment plan"):
                self.plan(invoice)
            self.assertEqual(self.Plan.search_count([]), plans_before + 1)
            self.pay(invoice, on="2026-03-10")
            with self.assertRaisesRegex(ValidationError, "Only open customer invoices"):
                plan.action_activate()
        self.assertEqual(plan.state, "draft")

    def test_activation_refuses_a_stale_schedule(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        with freeze_time("2026-03-10"):
            plan = self.plan(invoice, first="2026-03-20")
            self.pay(invoice, 100, on="2026-03-10")
            with self.assertRaisesRegex(UserError, "now owe"):
                plan.action_activate()
        with freeze_time("2026-03-25"), self.assertRaisesRegex(UserError, "was due"):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")

    def test_multi_company_isolation(self):
        other_company = self.setup_other_company(name="Other Co")["company"]
        other_customer = self._customer("Remote SA", company=other_company)
        invoice = self.make_invoice(
            other_customer, 500, "2026-03-02", company=other_company
        )
        with freeze_time("2026-03-10"):
            plan = self.Plan.with_company(other_company)._credit_create_plan(
                other_customer,
                invoice,
                {"first_date": date(2026, 4, 1), "installment_count": 2},
            )
        self.assertEqual(plan.company_id, other_company)
        self.assertNotIn(plan, self.Plan.with_user(self.collector).search([]))
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).read(["name"])
