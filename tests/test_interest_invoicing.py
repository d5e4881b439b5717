from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..compat import GROUPS_FIELD


@tagged("post_install", "-at_install")
class TestInterestInvoicing(AccountTestInvoicingCommon):
    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref(
            "credit_collection.group_credit_manager"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.company_data["currency"]
        cls.scenario = cls.env["credit.dunning.scenario"].create(
            {
                "name": "French statutory",
                "interest_policy": "statutory",
                "interest_jurisdiction": "FR",
                "apply_recovery_indemnity": True,
                "recovery_indemnity_currency_id": cls.currency.id,
            }
        )
        cls.env.company.credit_default_scenario_id = cls.scenario
        cls.partner_a.is_company = True
        cls.consumer = cls.env["res.partner"].create(
            {
                "name": "Jeanne Martin",
                "is_company": False,
                "property_payment_term_id": cls.pay_terms_a.id,
            }
        )

    def _invoice(self, partner=None, invoice_date="2025-05-15", amount=10000.0):
        return self.init_invoice(
            "out_invoice",
            partner=partner or self.partner_a,
            invoice_date=invoice_date,
            amounts=[amount],
            taxes=[],
            post=True,
        )

    def _pay(self, invoice, amount, payment_date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount, "payment_date": payment_date})._create_payments()

    def test_scenario_defaults(self):
        self.assertEqual(self.scenario.recovery_indemnity_amount, 40.0)
        self.assertEqual(self.partner_a._credit_get_debtor_type(), "business")
        self.assertEqual(self.consumer._credit_get_debtor_type(), "consumer")
        self.consumer.credit_debtor_type = "business"
        self.assertEqual(self.consumer._credit_get_debtor_type(), "business")

    def test_interest_on_posted_invoice_with_partial_payment(self):
        invoice = self._invoice()
        self.assertEqual(invoice.invoice_date_due, date(2025, 5, 15))
        self._pay(invoice, 4000.0, date(2025, 7, 10))
        self.assertEqual(invoice.amount_residual, 6000.0)
        result = invoice._credit_late_interest(date(2025, 9, 15), self.scenario)[
            invoice
        ]
        # 46 d x 10,000 x 13.15 % + 10 d x 10,000 x 12.15 % + 67 d x 6,000 x
        # 12.15 % = 165.726 + 33.288 + 133.816
        self.assertEqual(result["amount"], 332.83)
        self.assertEqual(
            [(s["days"], s["base"], s["rate"]) for s in result["segments"]],
            [(46, 10000.0, 13.15), (10, 10000.0, 12.15), (67, 6000.0, 12.15)],
        )
        self.assertEqual(result["date_from"], date(2025, 5, 16))
        self.assertEqual(result["date_to"], date(2025, 9, 15))
        indemnity = invoice._credit_recovery_indemnity(self.scenario, date(2025, 9, 15))
        self.assertEqual(indemnity[invoice], 40.0)

    def test_installments_each_from_its_own_due_date(self):
        self.partner_b.is_company = True
        invoice = self._invoice(partner=self.partner_b)
        self.assertEqual(len(invoice._credit_receivable_lines()), 2)
        result = invoice._credit_late_interest(date(2025, 9, 15), self.scenario)[
            invoice
        ]
        # 3,000 due 2025-05-15 (0.3 x 422.0411) + 7,000 due 2025-06-30
        # (77 d at 12.15 % = 179.4205), rounded once.
        self.assertEqual(result["amount"], 306.03)

    def test_paid_in_time_is_not_late(self):
        invoice = self._invoice()
        self._pay(invoice, 10000.0, date(2025, 5, 15))
        self.assertFalse(invoice._credit_is_late(date(2025, 9, 15)))
        self.assertEqual(
            invoice._credit_recovery_indemnity(self.scenario, date(2025, 9, 15))[
                invoice
            ],
            0.0,
        )
        result = invoice._credit_late_interest(date(2025, 9, 15), self.scenario)
        self.assertEqual(result[invoice]["amount"], 0.0)

    def test_invoicing_twice_creates_one_invoice(self):
        invoice = self._invoice()
        with freeze_time("2025-09-15"):
            action = invoice.action_credit_invoice_late_interest()
            charge = invoice.credit_interest_charge_ids
            self.assertEqual(len(charge), 1)
            interest_invoice = charge.charge_move_id
            self.assertEqual(action["res_id"], interest_invoice.id)
            self.assertEqual(interest_invoice.partner_id, self.partner_a)
            self.assertEqual(
                sorted(interest_invoice.invoice_line_ids.mapped("price_unit")),
                [40.0, 422.04],
            )
            self.assertFalse(interest_invoice.invoice_line_ids.tax_ids)
            self.assertEqual(interest_invoice.amount_total, 462.04)
            self.assertEqual(charge.date_to, date(2025, 9, 15))
            with self.assertRaisesRegex(UserError, "Nothing to invoice"):
                invoice.action_credit_invoice_late_interest()
            self.assertEqual(len(invoice.credit_interest_charge_ids), 1)
        with freeze_time("2025-10-15"):
            invoice.action_credit_invoice_late_interest()
            second = invoice.credit_interest_charge_ids - charge
            self.assertEqual(len(second), 1)
            self.assertNotEqual(second.charge_move_id, interest_invoice)
            # 2025-09-16 .. 2025-10-15: 30 d x 10,000 x 12.15 %, no indemnity
            self.assertEqual(second.date_from, date(2025, 9, 16))
            self.assertEqual(second.charge_move_id.invoice_line_ids.price_unit, 99.86)
            self.assertEqual(second.indemnity_amount, 0.0)
            # A cancelled interest invoice no longer counts as charged.
            second.charge_move_id.button_cancel()
            invoice.action_credit_invoice_late_interest()
            third = invoice.credit_interest_charge_ids - charge - second
            self.assertEqual(third.date_from, date(2025, 9, 16))
            self.assertEqual(third.interest_amount, 99.86)

    def test_one_invoice_per_customer(self):
        first = self._invoice()
        second = self._invoice(invoice_date="2025-06-02", amount=500.0)
        with freeze_time("2025-09-15"):
            (first | second).action_credit_invoice_late_interest()
        charges = (first | second).credit_interest_charge_ids
        self.assertEqual(len(charges), 2)
        self.assertEqual(len(charges.charge_move_id), 1)
        self.assertEqual(len(charges.charge_move_id.invoice_line_ids), 4)
        self.assertEqual(
            set(
                charges.charge_move_id.invoice_line_ids.account_id.mapped(
                    "account_type"
                )
            ),
            {"income_other"},
        )

    def test_charge_accounts_follow_the_company_setting(self):
        income = self.company_data["default_account_revenue"].copy(
            {"code": "763899", "name": "Interest", "account_type": "income_other"}
        )
        fees = income.copy({"code": "758899", "name": "Fee income"})
        self.env.company.write(
            {"credit_interest_account_id": income.id, "credit_fee_account_id": fees.id}
        )
        with freeze_time("2025-09-15"):
            self._invoice().action_credit_invoice_late_interest()
        charges = self.env["credit.interest.charge"].search([])
        lines = charges.charge_move_id.invoice_line_ids
        by_product = {line.product_id: line.account_id for line in lines}
        self.assertEqual(
            by_product[self.env.ref("credit_collection.product_late_interest")], income
        )
        self.assertEqual(
            by_product[self.env.ref("credit_collection.product_recovery_indemnity")],
            fees,
        )

    def test_consumer_gets_no_indemnity(self):
        invoice = self._invoice(partner=self.consumer)
        as_of = date(2025, 9, 15)
        self.assertEqual(
            invoice._credit_recovery_indemnity(self.scenario, as_of)[invoice], 0.0
        )
        no_notice = invoice._credit_late_interest(as_of, self.scenario)[invoice]
        self.assertEqual(no_notice["amount"], 0.0)
        # From the formal notice, at the legal rate for "other cases" (2.76 %).
        with_notice = invoice._credit_late_interest(
            as_of, self.scenario, notice_date=date(2025, 6, 30)
        )[invoice]
        self.assertEqual(with_notice["amount"], 58.22)
        with freeze_time("2025-09-15"), self.assertRaises(UserError):
            invoice.action_credit_invoice_late_interest()
        self.assertFalse(invoice.credit_interest_charge_ids)
        # Limitation: 2 years against a consumer, 5 years between traders.
        self.assertEqual(invoice._credit_limitation_date(), date(2027, 5, 15))
        self.assertEqual(self._invoice()._credit_limitation_date(), date(2030, 5, 15))

    def test_missing_rate_is_a_clear_error(self):
        invoice = self._invoice()
        with self.assertRaisesRegex(UserError, "H2 2026"):
            invoice._credit_late_interest(date(2026, 9, 1), self.scenario)

    def test_company_rate_overrides_shared_rate(self):
        other = self.setup_other_company()["company"]
        self.env["credit.interest.rate"].create(
            {
                "rate_type": "ecb_mro",
                "date_from": "2025-07-01",
                "rate": 9.0,
                "company_id": other.id,
            }
        )
        Rate = self.env["credit.interest.rate"]
        self.assertEqual(
            float(Rate._get_rate_table(other).get("ecb_mro", date(2025, 8, 1))), 9.0
        )
        self.assertEqual(
            float(
                Rate._get_rate_table(self.env.company).get("ecb_mro", date(2025, 8, 1))
            ),
            2.15,
        )
        with self.assertRaises(ValidationError):
            Rate.create({"rate_type": "ecb_mro", "date_from": "2025-07-02", "rate": 1})
        with self.assertRaises(ValidationError):
            Rate.create({"rate_type": "ecb_mro", "date_from": "2025-07-01", "rate": 1})

    @freeze_time("2026-02-01")
    def test_contractual_rate_floor(self):
        """3 x 2.62 % (legal rate, H1 2026) = 7.86 %: 5 % is refused."""
        with self.assertRaises(ValidationError):
            self.scenario.write(
                {"interest_policy": "contractual", "interest_contractual_rate": 5.0}
            )
        self.scenario.write(
            {"interest_policy": "contractual", "interest_contractual_rate": 8.0}
        )
        self.assertEqual(self.scenario.interest_contractual_rate, 8.0)

    def test_controller_only(self):
        invoice = self._invoice()
        self.env.user[GROUPS_FIELD] = [
            Command.unlink(self.env.ref("credit_collection.group_credit_manager").id),
            Command.unlink(
                self.env.ref("credit_collection.group_credit_controller").id
            ),
        ]
        with self.assertRaises(UserError):
            invoice.action_credit_invoice_late_interest()
