from freezegun import freeze_time

from odoo.tests import tagged

from .common_risk import CreditRiskCommon


@tagged("post_install", "-at_install")
@freeze_time("2025-06-30")
class TestCreditExposure(CreditRiskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_currency = cls.setup_other_currency("EUR")  # 2 EUR = 1 USD
        cls.company_2 = cls.setup_other_company()["company"]

    def _exposure(self, partner=None, company=None):
        partner = (partner or self.partner).with_company(company or self.company)
        partner.invalidate_recordset()
        return {
            "receivable": partner.credit_exposure_receivable,
            "draft": partner.credit_exposure_draft,
            "order": partner.credit_exposure_order,
            "total": partner.credit_exposure,
            "overdue": partner.credit_overdue,
        }

    def test_exposure_breakdown(self):
        """Open receivables net of partial payments and credit notes, other
        currencies converted, child contacts included, drafts and orders
        apart, nothing from the other company."""
        old = self._invoice(1000.0, "2025-05-01", post=True)
        self._pay(old, 300.0, "2025-05-20")
        self._invoice(500.0, "2025-06-30", post=True)
        self._invoice(200.0, "2025-06-30", move_type="out_refund", post=True)
        self._invoice(400.0, "2025-06-30", currency=self.other_currency, post=True)
        contact = self.env["res.partner"].create(
            {"name": "Accounts Payable", "parent_id": self.partner.id}
        )
        self._invoice(100.0, "2025-06-30", partner=contact, post=True)
        self._invoice(150.0, "2025-06-30")  # draft
        self._order(300.0).action_confirm()
        self._order(80.0)  # quotation: no exposure
        self._invoice(999.0, "2025-06-30", company=self.company_2, post=True)

        self.assertEqual(
            self._exposure(),
            {
                # 700 + 500 - 200 + 400 EUR at 2.0 + 100
                "receivable": 1300.0,
                "draft": 150.0,
                "order": 300.0,
                "total": 1750.0,
                "overdue": 700.0,
            },
        )
        # The contact shows its commercial partner's exposure.
        self.assertEqual(self._exposure(contact)["total"], 1750.0)
        other = self._exposure(company=self.company_2)
        self.assertEqual((other["receivable"], other["total"]), (999.0, 999.0))

    def test_invoiced_order_not_counted_twice(self):
        """A draft invoice made from an order stays in 'orders to invoice'
        until posted, then moves to the receivables."""
        order = self._order(600.0)
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(
            self._exposure(),
            {
                "receivable": 0.0,
                "draft": 0.0,
                "order": 600.0,
                "total": 600.0,
                "overdue": 0.0,
            },
        )
        invoice.action_post()
        exposure = self._exposure()
        self.assertEqual((exposure["receivable"], exposure["order"]), (600.0, 0.0))

    def test_available_and_over_limit(self):
        self.company.account_use_credit_limit = True
        self.partner.credit_limit = 1000.0
        self._invoice(1200.0, "2025-06-01", post=True)
        partner = self.partner.with_company(self.company)
        self.assertEqual(partner.credit_available, -200.0)
        self.assertTrue(partner.credit_over_limit)
        Partner = self.env["res.partner"]
        self.assertIn(partner, Partner.search([("credit_over_limit", "=", True)]))
        self.assertNotIn(
            self.partner_b, Partner.search([("credit_over_limit", "=", True)])
        )
        # A grade caps the limit.
        grade = self.env.ref("credit_collection.credit_risk_grade_c")
        grade.max_credit_limit = 500.0
        partner.sudo().credit_risk_grade_id = grade
        partner.invalidate_recordset()
        self.assertEqual(partner.credit_limit_effective, 500.0)
        self.assertEqual(partner.credit_available, -700.0)
