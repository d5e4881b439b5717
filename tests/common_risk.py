from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..compat import SALE_LINE_TAXES


class CreditRiskCommon(AccountTestInvoicingCommon):
    @classmethod
    def get_default_groups(cls):
        """The test user also sells (orders are confirmed through the credit
        check), as Odoo 18's default user does and 19's no longer does."""
        return super().get_default_groups() | cls.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Credit Customer",
                "is_company": True,
                "property_payment_term_id": cls.pay_terms_a.id,
            }
        )
        user_groups = "base.group_user,sales_team.group_sale_salesman_all_leads"
        cls.controller = new_test_user(
            cls.env,
            login="credit_controller_test",
            groups=user_groups + ",credit_collection.group_credit_controller",
            company_id=cls.company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="credit_manager_test",
            groups=user_groups + ",credit_collection.group_credit_manager",
            company_id=cls.company.id,
        )

    @classmethod
    def _invoice(cls, amount, date, partner=None, move_type="out_invoice", **kw):
        return cls.init_invoice(
            move_type,
            partner=partner or cls.partner,
            invoice_date=fields.Date.to_date(date),
            amounts=[amount],
            taxes=[],
            **kw,
        )

    @classmethod
    def _pay(cls, invoice, amount, date):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": fields.Date.to_date(date)})
            ._create_payments()
        )

    @classmethod
    def _order(cls, amount, partner=None, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.partner).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product_a.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            SALE_LINE_TAXES: False,
                        }
                    )
                ],
                **values,
            }
        )
