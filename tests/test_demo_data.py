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
