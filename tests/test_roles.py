"""Every standard role runs its main flow with the addon installed and gets
either the flow or the addon's intended refusal (a message saying why), never
an access error: quotation, confirmation (within and over the limit, on hold,
warn and block modes), invoice, posting, payment, reconciliation, printing,
and on the portal the invoice pages and their online payment."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon

from ..compat import SALE_LINE_TAXES
from .common import REPORT_LOGGERS, CreditCollectionCommon


class RoleCommon(CreditCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.account_use_credit_limit = True
        cls.company.credit_block_mode = "block"
        cls.customer.credit_limit = 1000.0

        def user(login, groups):
            return new_test_user(
                cls.env,
                login=login,
                groups="base.group_user," + groups,
                company_id=cls.company.id,
                email=f"{login}@example.com",
            )

        cls.salesperson = user("role_salesperson", "sales_team.group_sale_salesman")
        cls.sales_manager = user("role_sales_manager", "sales_team.group_sale_manager")
        cls.billing = user("role_billing", "account.group_account_invoice")
        cls.accountant = user("role_accountant", "account.group_account_user")
        cls.credit_manager = user(
            "role_credit_manager", "credit_collection.group_credit_manager"
        )

    def quotation(self, user, amount):
        """A quotation made in the form view by ``user``, as they would."""
        with Form(self.env["sale.order"].with_user(user)) as order:
            order.partner_id = self.customer
            with order.order_line.new() as line:
                line.product_id = self.product_a
                line.product_uom_qty = 1
                line.price_unit = amount
                line[SALE_LINE_TAXES].clear()
        return order.record

    def refusal(self, document, user, method="action_confirm"):
        """The message of the credit check refusing ``user``'s ``method``
        on ``document``: a UserError, never an AccessError."""
        with self.assertRaises(UserError) as error:
            getattr(document.with_user(user), method)()
        self.assertNotIsInstance(error.exception, AccessError)
        return str(error.exception)


@tagged("post_install", "-at_install")
@freeze_time("2025-06-30")
class TestRoleFlows(RoleCommon):
    def test_salesperson_confirms_own_order_within_limit(self):
        order = self.quotation(self.salesperson, 400.0)
        self.assertEqual(order.user_id, self.salesperson)
        order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_salesperson_over_limit_sees_why_without_figures(self):
        self.make_invoice(self.customer, 800.0, "2025-06-01")
        order = self.quotation(self.salesperson, 400.0)
        message = self.refusal(order, self.salesperson)
        self.assertIn("would exceed its credit limit.", message)
        self.assertIn("Ask a Credit Manager", message)
        for figure in ("1,000.00", "1,200.00", "800.00"):
            self.assertNotIn(figure, message)
        self.assertEqual(order.state, "draft")
        # The Credit Manager sees the figures and approves.
        with self.assertRaises(RedirectWarning) as warning:
            order.with_user(self.credit_manager).action_confirm()
        self.assertIn("1,000.00", str(warning.exception))
        action = (
            self.env["credit.override.wizard"]
            .with_user(self.credit_manager)
            .create(
                {"res_model": "sale.order", "res_id": order.id, "reason": "Guarantee"}
            )
            .action_approve()
        )
        self.assertEqual(action["tag"], "soft_reload", "the order shows its new state")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.credit_override_user_id, self.credit_manager)

    def test_salesperson_on_hold_block_and_warn(self):
        self.customer._credit_set_hold("Cheque bounced")
        order = self.quotation(self.salesperson, 100.0)
        message = self.refusal(order, self.salesperson)
        self.assertIn("is on credit hold.", message)
        self.assertNotIn("Cheque bounced", message)
        self.assertEqual(order.state, "draft")
        self.company.credit_block_mode = "warn"
        order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "sale")
        note = order.message_ids.filtered(lambda m: "Credit warning" in m.body)
        self.assertEqual(len(note), 1)
        self.assertTrue(note.subtype_id.internal, "the warning is an internal note")
        self.assertNotIn("Cheque bounced", note.body)

    def test_quotation_banner_shows_hold_for_each_reader(self):
        self.company.account_use_credit_limit = False
        self.company.credit_block_mode = "warn"
        self.customer._credit_set_hold("Cheque bounced")
        order = self.quotation(self.salesperson, 100.0)
        banner = order.with_user(self.salesperson).partner_credit_warning
        self.assertIn("is on credit hold.", banner)
        self.assertNotIn("Cheque bounced", banner)
        order.invalidate_recordset(["partner_credit_warning"])
        self.assertIn(
            "Cheque bounced", order.with_user(self.accountant).partner_credit_warning
        )
        # Over the limit: Odoo's own banner, without figures for the salesperson.
        self.company.account_use_credit_limit = True
        self.customer._credit_release_hold()
        self.make_invoice(self.customer, 950.0, "2025-06-01")
        order.invalidate_recordset(["partner_credit_warning"])
        banner = order.with_user(self.salesperson).partner_credit_warning
        self.assertIn("has reached its credit limit.", banner)
        self.assertNotIn("1,000.00", banner)

    def test_salesperson_prepayment_grade_not_named(self):
        grade = self.env.ref("credit_collection.credit_risk_grade_e")
        self.customer.sudo().credit_risk_grade_id = grade
        order = self.quotation(self.salesperson, 100.0)
        message = self.refusal(order, self.salesperson)
        self.assertIn("must pay before its order is confirmed", message)
        self.assertNotIn(grade.display_name, message)

    def test_sales_manager_confirms_and_invoices(self):
        order = self.quotation(self.salesperson, 400.0)
        order.with_user(self.sales_manager).action_confirm()
        self.assertEqual(order.state, "sale")
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(self.sales_manager)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "draft")
        # The billing user posts it: it was counted with the orders already.
        invoice.with_user(self.billing).action_post()
        self.assertEqual(invoice.state, "posted")

    def test_billing_user_posts_and_registers_payment(self):
        old = self.make_invoice(self.customer, 300.0, "2025-05-20")
        notice = self.make_notice(self.level_first, fields.Date.today(), old)
        draft = self.make_invoice(self.customer, 900.0, "2025-07-30", post=False)
        message = self.refusal(draft, self.billing, "action_post")
        # Billing users read credit limits: the figures are there.
        self.assertIn("1,000.00", message)
        self.assertEqual(draft.state, "draft")
        self.company.credit_block_mode = "warn"
        draft.with_user(self.billing).action_post()
        self.assertEqual(draft.state, "posted")
        self.env["account.payment.register"].with_user(self.billing).with_context(
            active_model="account.move", active_ids=old.ids
        ).create({"payment_date": fields.Date.today()})._create_payments()
        self.assertIn(old.payment_state, ("paid", "in_payment"))
        self.assertEqual(notice.state, "paid")

    def test_accountant_reconciles_payment(self):
        invoice = self.make_invoice(self.customer, 500.0, "2025-05-20")
        notice = self.make_notice(self.level_first, fields.Date.today(), invoice)
        self.customer.sudo().credit_level_id = self.level_first
        payment = (
            self.env["account.payment"]
            .with_user(self.accountant)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.customer.id,
                    "amount": 500.0,
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )
        )
        payment.action_post()
        outstanding = payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        invoice.with_user(self.accountant).js_assign_outstanding_line(outstanding.id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(notice.state, "paid")
        self.assertFalse(self.customer.credit_level_id)


@tagged("post_install", "-at_install")
class TestRoleHttpFlows(RoleCommon, AccountPaymentCommon, PaymentHttpCommon):
    """The flows that go through the HTTP server: the customer on the portal
    and a visitor holding the invoice link see their invoice and pay it
    online, the payment closing the reminder; an accountant prints the
    invoice (wkhtmltopdf loads the styles from the server)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Real dates: the HTTP server runs on the real clock.
        today = fields.Date.context_today(cls.env.user)
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )
        cls.portal_user = cls.make_portal_user(
            cls.customer, "role_portal", contact_name="Paul Portal"
        )
        cls.invoice = cls.make_invoice(cls.customer, 450.0, today - timedelta(10))
        cls.notice = cls.make_notice(cls.level_first, today, cls.invoice)

    def pay_online(self):
        """The portal's payment of the whole invoice, then what the
        provider's confirmation does (set done, post-process)."""
        invoice = self.invoice
        values = {
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method_id,
            "token_id": None,
            "amount": invoice.amount_residual,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": invoice.get_portal_url(),
            "access_token": invoice._portal_ensure_token(),
        }
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            processing = self._get_processing_values(
                tx_route=f"/invoice/transaction/{invoice.id}", **values
            )
        transaction = self._get_tx(processing["reference"])
        self.assertEqual(transaction.invoice_ids, invoice)
        transaction._set_done()
        transaction._post_process()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.notice.state, "paid")

    def test_portal_customer_sees_and_pays(self):
        self.authenticate("role_portal", "role_portal")
        for url in (
            "/my",
            "/my/invoices",
            f"/my/invoices/{self.invoice.id}",
            "/my/credit",
            f"/my/credit/notices/{self.notice.id}",
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, url)
        self.assertIn(self.invoice.name, self.url_open("/my/credit").text)
        self.pay_online()

    def test_public_visitor_with_the_link_pays(self):
        url = self.invoice.get_portal_url()
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
        notice_url = self.notice.get_portal_url()
        self.assertEqual(self.url_open(notice_url).status_code, 200)
        self.pay_online()

    def test_accountant_prints_invoice(self):
        with mute_logger(*REPORT_LOGGERS):
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_user(self.accountant)
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("account.account_invoices", self.invoice.ids)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
