from freezegun import freeze_time

from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.tests import tagged

from .common_risk import CreditRiskCommon


@tagged("post_install", "-at_install")
@freeze_time("2025-06-30")
class TestCreditBlocking(CreditRiskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.account_use_credit_limit = True
        cls.company.credit_block_mode = "block"
        cls.partner.credit_limit = 1000.0
        cls._invoice(600.0, "2025-05-01", post=True)  # overdue

    def _approve(self, document, user, reason="Bank guarantee received"):
        wizard = (
            self.env["credit.override.wizard"]
            .with_user(user)
            .create(
                {
                    "res_model": document._name,
                    "res_id": document.id,
                    "reason": reason,
                }
            )
        )
        return wizard.action_approve()

    def test_order_over_limit_blocked_for_controller(self):
        order = self._order(500.0)
        with self.assertRaises(UserError) as error:
            order.with_user(self.controller).action_confirm()
        message = str(error.exception)
        self.assertNotIsInstance(error.exception, RedirectWarning)
        for amount in ("1,000.00", "1,100.00", "600.00"):  # limit, exposure, overdue
            self.assertIn(amount, message)
        self.assertEqual(order.state, "draft")
        with self.assertRaises(AccessError):
            self._approve(order, self.controller)
        with self.assertRaises(UserError):
            order.with_user(self.controller)._credit_approve_and_confirm("Trust me")
        self.assertEqual(order.state, "draft")

    def test_order_override_by_manager(self):
        order = self._order(500.0)
        with self.assertRaises(RedirectWarning):
            order.with_user(self.manager).action_confirm()
        self._approve(order, self.manager)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.credit_override_user_id, self.manager)
        self.assertEqual(order.credit_override_reason, "Bank guarantee received")
        self.assertIn("Bank guarantee received", order.message_ids[0].body)
        self.assertTrue(
            any(
                "Bank guarantee received" in body
                for body in self.partner.message_ids.mapped("body")
            )
        )

    def test_order_within_limit_and_warn_mode(self):
        order = self._order(300.0)
        order.with_user(self.controller).action_confirm()
        self.assertEqual(order.state, "sale")
        self.company.credit_block_mode = "warn"
        order = self._order(500.0)
        order.with_user(self.controller).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertIn("Credit warning", order.message_ids[0].body)

    def test_hold_blocks_invoice_until_override(self):
        with self.assertRaises(AccessError):
            self.partner.with_user(self.controller).write(
                {"credit_hold": True, "credit_hold_reason": "Cheque bounced"}
            )
        with self.assertRaises(ValidationError):
            self.partner._credit_set_hold(False)
        self.partner._credit_set_hold("Cheque bounced")
        self.assertTrue(self.partner.credit_hold)
        invoice = self._invoice(10.0, "2025-06-30")
        with self.assertRaises(UserError) as error:
            invoice.with_user(self.controller).action_post()
        self.assertIn("Cheque bounced", str(error.exception))
        self.assertEqual(invoice.state, "draft")
        self._approve(invoice, self.manager, reason="Director agreed")
        self.assertEqual(invoice.state, "posted")
        self.assertIn("Director agreed", invoice.message_ids[0].body)
        self.partner._credit_release_hold()
        self.assertFalse(self.partner.credit_hold)
        self._invoice(10.0, "2025-06-30", post=True)

    def test_invoice_over_limit_blocked(self):
        invoice = self._invoice(450.0, "2025-06-30")
        with self.assertRaises(UserError):
            invoice.with_user(self.controller).action_post()
        self.company.credit_block_mode = "warn"
        invoice.with_user(self.controller).action_post()
        self.assertEqual(invoice.state, "posted")

    def test_prepayment_grade_blocks_even_in_warn_mode(self):
        self.company.credit_block_mode = "warn"
        self.partner.sudo().credit_risk_grade_id = self.env.ref(
            "credit_collection.credit_risk_grade_e"
        )
        order = self._order(10.0)
        with self.assertRaises(UserError) as error:
            order.with_user(self.controller).action_confirm()
        self.assertIn("must pay before", str(error.exception))
        self._approve(order, self.manager)
        self.assertEqual(order.state, "sale")

    def test_override_covers_approved_amount_only(self):
        order = self._order(500.0)
        # Approved for 500 (without confirming), then the order grows.
        order.with_user(self.manager)._credit_approve_override("Approved for 500")
        self.assertEqual(order.credit_override_user_id, self.manager)
        self.assertEqual(order.credit_override_amount, 500.0)
        order.order_line.price_unit = 900.0
        with self.assertRaises(UserError):
            order.with_user(self.controller).action_confirm()
        self.assertEqual(order.state, "draft")
        # Nobody writes an approval directly, not even a Credit Manager.
        for user in (self.controller, self.manager):
            with self.assertRaises(AccessError):
                order.with_user(user).write({"credit_override_amount": 5000.0})
        self.assertEqual(order.credit_override_amount, 500.0)

    def test_identity_numbers(self):
        france = self.env.ref("base.fr")
        partner = self.env["res.partner"].create(
            {"name": "Identity", "is_company": True, "country_id": france.id}
        )
        number_field = "siret" if "siret" in partner._fields else "company_registry"
        with self.assertRaises(ValidationError):
            partner.write({number_field: "73282932000075"})
        partner.write({number_field: "73282932000074"})
        with self.assertRaises(ValidationError):
            partner.company_registry = "732829321"
        partner.company_registry = "732829320"
        with self.assertRaises(ValidationError):
            partner.vat = "FR00732829320"
