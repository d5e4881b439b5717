from datetime import timedelta

from odoo.fields import Datetime
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo company must give every later feature something real to
    show: the test command installs the addon with its demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref(
            "credit_collection.company_clairval_demo", raise_if_not_found=False
        )

    def test_demo_company_is_french_in_euro(self):
        self.assertTrue(self.company, "demo data is not installed")
        self.assertEqual(self.company.country_id.code, "FR")
        self.assertEqual(self.company.currency_id.name, "EUR")
        self.assertTrue(self.company.chart_template)
        self.assertEqual(
            self.company.credit_default_scenario_id,
            self.env.ref("credit_collection.scenario_standard_b2b"),
        )

    def test_demo_ledger_has_every_age_and_profile(self):
        self.assertTrue(self.company, "demo data is not installed")
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ]
        )
        customers = invoices.partner_id.commercial_partner_id
        self.assertGreaterEqual(len(customers), 15)
        self.assertTrue(customers.filtered(lambda p: not p.is_company), "no consumer")
        self.assertTrue(customers.filtered("is_company"), "no business customer")
        self.assertGreater(len(invoices.currency_id), 1, "no foreign currency")

        open_invoices = invoices.filtered(
            lambda inv: inv.payment_state in ("not_paid", "partial")
        )
        # Ages as of the day the ledger was built: a run that crosses midnight
        # after the install must not see every invoice a day older.
        built_on = Datetime.context_timestamp(
            self.company, min(invoices.mapped("create_date"))
        ).date()
        ages = {(built_on - inv.invoice_date_due).days for inv in open_invoices}
        for age in (5, 20, 45, 75, 120):
            self.assertIn(age, ages, f"no invoice {age} days overdue")
        self.assertTrue(any(age < 0 for age in ages), "no invoice not yet due")

        partial = open_invoices.filtered(lambda inv: inv.payment_state == "partial")
        self.assertTrue(partial, "no partly paid invoice")
        for invoice in partial:
            self.assertLess(invoice.amount_residual, invoice.amount_total)
        paid = invoices.filtered(lambda inv: inv.payment_state == "paid")
        self.assertTrue(paid, "no payment history")
        self.assertTrue(all(invoice.amount_residual == 0 for invoice in paid))

    def test_demo_portal_customer_sees_only_its_invoices(self):
        portal_user = self.env.ref(
            "credit_collection.user_portal_dubois_demo", raise_if_not_found=False
        )
        self.assertTrue(portal_user, "demo data is not installed")
        self.assertTrue(portal_user.has_group("base.group_portal"))
        # The customer keeps its own name: the user is one of its contacts.
        dubois = self.env.ref("credit_collection.partner_menuiserie_dubois_demo")
        self.assertEqual(dubois.name, "Menuiserie Dubois")
        self.assertEqual(portal_user.commercial_partner_id, dubois)
        visible = (
            self.env["account.move"]
            .with_user(portal_user)
            .search([("move_type", "=", "out_invoice")])
        )
        self.assertTrue(visible)
        self.assertFalse(
            visible.invoice_user_id, "OdooBot would be shown as the seller"
        )
        self.assertEqual(
            visible.commercial_partner_id,
            self.env.ref("credit_collection.partner_menuiserie_dubois_demo"),
        )


@tagged("post_install", "-at_install")
class TestDemoReplay(TransactionCase):
    """The demo replays its last 90 days through the engine: the first login
    finds a collection under way, not a ledger nobody has touched."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("credit_collection.company_clairval_demo")
        invoices = cls.env["account.move"].search(
            [("company_id", "=", cls.company.id), ("move_type", "=", "out_invoice")]
        )
        # The install day (the run may cross midnight after it).
        cls.built_on = Datetime.context_timestamp(
            cls.company, min(invoices.mapped("create_date"))
        ).date()
        cls.notices = cls.env["credit.notice"].search(
            [("company_id", "=", cls.company.id)]
        )

    def test_replay_climbs_step_by_step_to_the_formal_notice(self):
        sent = self.notices.filtered(lambda n: n.state in ("sent", "paid"))
        climbed = self.env["res.partner"]
        for partner in sent.partner_id:
            steps = sent.filtered(lambda n, p=partner: n.partner_id == p).sorted(
                lambda n: (n.date, n.id)
            )
            formal = steps.filtered("is_formal_notice")[:1]
            if not formal:
                continue
            before = steps.filtered(lambda n, f=formal: n.date < f.date)
            levels = before.level_id.filtered(
                lambda level: level.days_offset > 0
            ).sorted("days_offset")
            if len(levels) < 2:
                continue
            # The overdue steps before the formal notice, each in its turn
            # and on its own earlier day, each at least its wait after the
            # previous one.
            firsts = [
                before.filtered(lambda n, lvl=level: n.level_id == lvl)[:1]
                for level in levels
            ]
            dates = [notice.date for notice in firsts] + [formal.date]
            self.assertEqual(dates, sorted(set(dates)), partner.name)
            self.assertLess(formal.date, self.built_on)
            # Sent when the collections user validated it, on a later day.
            sent_on = Datetime.context_timestamp(self.company, formal.sent_date)
            self.assertEqual(sent_on.date(), formal.date + timedelta(days=2))
            climbed |= partner
        self.assertTrue(climbed, "no customer reached the formal notice step by step")
        # Nobody got a formal notice as a first contact.
        for notice in self.notices.filtered("is_formal_notice"):
            self.assertTrue(notice.previous_reminder_count, notice.partner_id.name)

    def test_replay_has_promises_disputes_and_plans(self):
        domain = [("company_id", "=", self.company.id)]
        promises = self.env["credit.promise"].search(domain)
        self.assertIn("kept", promises.mapped("state"))
        self.assertIn("broken", promises.mapped("state"))
        broken = promises.filtered(lambda p: p.state == "broken")
        self.assertTrue(broken.activity_ids, "the collector is told")
        disputes = self.env["credit.dispute"].search(domain)
        self.assertIn("open", disputes.mapped("state"))
        dispute = disputes.filtered(lambda d: d.state == "open")[:1]
        # Opened on a replayed day (its chatter's first message): no reminder
        # of that invoice since.
        opened_on = min(dispute.message_ids.mapped("date")).date()
        self.assertLess(opened_on, self.built_on)
        lines = self.env["credit.notice.line"].search(
            [("move_id", "=", dispute.move_id.id), ("notice_id.date", ">", opened_on)]
        )
        self.assertTrue(
            self.env["credit.notice.line"].search_count(
                [("move_id", "=", dispute.move_id.id)]
            ),
            "reminded before the dispute",
        )
        plans = self.env["credit.payment.plan"].search(domain)
        self.assertIn("active", plans.mapped("state"))
        self.assertIn("broken", plans.mapped("state"))
        active = plans.filtered(lambda p: p.state == "active")
        self.assertIn("paid", active.installment_ids.mapped("state"))
        self.assertIn("open", active.installment_ids.mapped("state"))
        broken_plan = plans.filtered(lambda p: p.state == "broken")
        self.assertIn("late", broken_plan.installment_ids.mapped("state"))
        self.assertLess(broken_plan.date_broken, self.built_on + timedelta(days=1))
        self.assertFalse(lines, "a disputed invoice was reminded")

    def test_first_login_finds_work_in_the_worklist(self):
        to_validate = self.notices.filtered(lambda n: n.state == "to_validate")
        self.assertTrue(to_validate, "nothing to validate")
        self.assertTrue(self.notices.filtered("letter_to_print"), "no letter to print")
        self.assertTrue(
            self.notices.filtered("letter_printed_date"), "no letter printed"
        )
        calls = self.notices.activity_ids.filtered(
            lambda a: a.activity_type_id.category == "phonecall"
        )
        self.assertTrue(calls, "no call to make")
        # Customers at every stage.
        sent = self.notices.filtered(lambda n: n.state in ("sent", "paid"))
        self.assertTrue(sent.filtered(lambda n: n.level_id.days_offset < 0))
        self.assertTrue(sent.filtered("is_formal_notice"))
        self.assertTrue(sent.filtered("level_id.escalation_stage"))
        self.assertTrue(self.notices.filtered(lambda n: n.state == "paid"))
        self.assertEqual(
            self.env["credit.dunning.run"].search_count(
                [("company_id", "=", self.company.id), ("state", "!=", "done")]
            ),
            0,
        )

    def test_replay_emails_never_leave(self):
        mails = self.env["mail.mail"].search(
            [("model", "in", ("credit.notice", "credit.payment.plan"))]
        )
        self.assertTrue(mails)
        self.assertEqual(set(mails.mapped("state")), {"sent"})

    def test_dashboard_has_trends_and_scores(self):
        snapshots = self.env["credit.collection.snapshot"].search(
            [
                ("company_id", "=", self.company.id),
                ("date", "<", self.built_on.replace(day=1)),
            ]
        )
        self.assertGreaterEqual(len(snapshots), 2)
        self.assertGreater(len(set(snapshots.mapped("amount_overdue"))), 1)
        self.assertTrue(any(snapshots.mapped("notices_sent")), "no reminder in them")
        customers = self.notices.partner_id
        scores = self.env["credit.risk.score"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", customers.ids)]
        )
        self.assertEqual(scores.partner_id, customers)
