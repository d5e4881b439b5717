import io
import json
import re
from datetime import timedelta

import lxml.etree
import lxml.html

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileWriter

from ..compat import GROUPS_FIELD, SALE_LINE_TAXES
from .common import CreditCollectionCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
REFUSALS = (
    "odoo.exceptions.AccessError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
)
REPORT = "credit_collection.action_report_credit_notice"
# Loggers that report a refused request (as a warning): muted, the test
# checks the refusal itself.
REFUSAL_LOGGERS = ("odoo.http", "odoo.addons.base.models.ir_rule")


def blank_pdf(pages=1):
    writer = PdfFileWriter()
    for _page in range(pages):
        writer.addBlankPage(595, 842)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


@tagged("post_install", "-at_install")
class TestForgedRequests(CreditCollectionCommon, HttpCase):
    """Requests a user could forge (portal pages, JSON-RPC, direct ORM calls)
    against the rules of the module: each is refused and leaves the database
    as it was. The legitimate flows next to them keep working."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        # A customer shared between companies, with a login on the portal.
        cls.debtor = cls._customer("Dubois Menuiserie", company_id=False)
        cls.portal = cls.make_portal_user(
            cls.debtor, "forged_portal", contact_name="Dubois portal"
        )

        def internal(login, groups):
            return new_test_user(
                cls.env,
                login=login,
                groups=f"base.group_user,{groups}",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )

        cls.billing = internal("forged_billing", "account.group_account_invoice")
        cls.salesperson = internal("forged_sales", "sales_team.group_sale_salesman")
        cls.controller = internal(
            "forged_controller", "credit_collection.group_credit_controller"
        )
        cls.manager = internal(
            "forged_manager", "credit_collection.group_credit_manager"
        )
        cls.debtor.user_id = cls.salesperson
        cls.invoice = cls.make_invoice(
            cls.debtor, 1000.0, cls.today - timedelta(days=40)
        )
        cls.planned = cls.make_invoice(
            cls.debtor, 600.0, cls.today - timedelta(days=30)
        )
        cls.other_company = cls.setup_other_company(name="Forged Other Co")["company"]
        cls.foreign_invoice = cls.make_invoice(
            cls.debtor, 777.0, cls.today - timedelta(days=20), company=cls.other_company
        )
        cls.foreign_invoice._portal_ensure_token()
        cls.notice = cls.make_notice(
            cls.level_second,
            cls.today - timedelta(days=5),
            cls.invoice,
            fee_amount=15.0,
        )
        cls.letter = cls.notice._credit_store_letters({cls.notice.id: blank_pdf()})
        cls.notice._portal_ensure_token()
        cls.waiting = cls.make_notice(
            cls.level_formal, cls.today, cls.invoice, state="to_validate"
        )
        cls.plan = cls.env["credit.payment.plan"]._credit_create_plan(
            cls.debtor,
            cls.planned,
            {
                "first_date": cls.today + timedelta(days=10),
                "installment_count": 3,
                "frequency": "monthly",
            },
        )
        cls.promise = cls.env["credit.promise"].create(
            {
                "partner_id": cls.debtor.id,
                "company_id": cls.company.id,
                "move_ids": [Command.set(cls.invoice.ids)],
                "amount": 100.0,
                "promise_date": cls.today + timedelta(days=5),
                "note": "Internal: the CFO pays only after a call",
            }
        )
        cls.grade = cls.env["credit.risk.grade"].create(
            {
                "name": "Forged watch",
                "code": "FW",
                "company_id": cls.company.id,
                "min_score": 0,
                "max_score": 100,
                "max_plan_installments": 3,
            }
        )
        debtor = cls.debtor.with_company(cls.company)
        debtor.write(
            {
                "credit_risk_grade_id": cls.grade.id,
                "credit_risk_score": 55,
                "credit_escalation_stage": "amicable",
            }
        )
        cls.company.account_use_credit_limit = True
        cls.company.credit_block_mode = "block"
        debtor.credit_limit = 100.0
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.debtor.id,
                "user_id": cls.salesperson.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product_a.id,
                            "product_uom_qty": 1,
                            "price_unit": 5000.0,
                            SALE_LINE_TAXES: False,
                        }
                    )
                ],
            }
        )
        cls.draft_invoice = cls.make_invoice(
            cls.debtor, 4000.0, cls.today + timedelta(days=30), post=False
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def snapshot(self):
        """What a forged request could change, read fresh from the database."""
        self.env.invalidate_all()
        env = self.env(su=True)
        company = self.company
        notices = env["credit.notice"].search([])
        plans = env["credit.payment.plan"].search([])
        moves = (
            self.invoice | self.planned | self.draft_invoice | self.foreign_invoice
        ).with_env(env)
        return {
            "notices": notices.read(
                [
                    "state",
                    "fee_amount",
                    "amount_total",
                    "amount_residual",
                    "level_id",
                    "date",
                    "payment_deadline",
                    "letter_attachment_id",
                    "sent_date",
                    "date_closed",
                    "line_ids",
                ]
            ),
            "lines": env["credit.notice.line"]
            .search([])
            .read(["amount_residual", "move_id", "days_overdue", "notice_id"]),
            "plans": plans.read(
                [
                    "state",
                    "installment_count",
                    "installment_ids",
                    "exceeds_grade_limit",
                    "move_ids",
                    "amount_invoices",
                ]
            ),
            "installments": env["credit.payment.plan.installment"]
            .search([])
            .read(["amount", "state", "paid_amount", "date_due"]),
            "promises": env["credit.promise"].search([]).read(["state", "amount"]),
            "disputes": env["credit.dispute"].search([]).read(["state"]),
            "debtor": self.debtor.with_env(env)
            .with_company(company)
            .read(
                [
                    "credit_risk_score",
                    "credit_risk_grade_id",
                    "credit_grade_override_id",
                    "credit_escalation_stage",
                    "credit_level_id",
                    "credit_hold",
                    "credit_excluded",
                    "credit_paused_until",
                    "credit_limit",
                ]
            ),
            "moves": moves.read(
                [
                    "credit_level_id",
                    "credit_last_notice_id",
                    "credit_formal_notice_date",
                    "credit_paused_until",
                    "credit_excluded",
                    "credit_override_user_id",
                    "credit_override_amount",
                    "credit_override_reason",
                    "state",
                ]
            ),
            "order": self.order.with_env(env).read(
                ["state", "credit_override_user_id", "credit_override_amount"]
            ),
            "attachments": env["ir.attachment"].search_count(
                [("res_model", "=", "credit.notice")]
            ),
        }

    def assertRefusedOrm(self, user, operation):
        """``operation(env)`` as ``user`` is refused (UserError, AccessError,
        ValidationError) and changes nothing."""
        before = self.snapshot()
        with self.assertRaises(UserError), mute_logger(*REFUSAL_LOGGERS):
            with self.env.cr.savepoint():
                operation(self.env(user=user))
                self.env.flush_all()
        self.assertEqual(self.snapshot(), before)
        self.forged += 1

    def rpc(self, model, method, *args, **kwargs):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
            },
        }
        with mute_logger(*REFUSAL_LOGGERS):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def assertRefusedRpc(self, model, method, *args, **kwargs):
        """The JSON-RPC call is answered with an error and changes nothing."""
        before = self.snapshot()
        answer = self.rpc(model, method, *args, **kwargs)
        self.assertIn("error", answer, (model, method, args, kwargs))
        self.assertIn(answer["error"]["data"]["name"], REFUSALS, answer["error"])
        self.assertEqual(self.snapshot(), before, (model, method, args, kwargs))
        self.forged += 1
        return answer

    def csrf(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return CSRF_RE.search(response.text).group(1)

    def setUp(self):
        super().setUp()
        self.forged = 0

    # ------------------------------------------------------------------
    # Portal pages
    # ------------------------------------------------------------------
    def test_portal_http(self):
        """Forged posts and links on the portal pages."""
        self.authenticate("forged_portal", "forged_portal")
        csrf = self.csrf("/my/credit")
        future = str(self.today + timedelta(days=5))

        def post(url, values, expect_error=True):
            before = self.snapshot()
            with mute_logger(*REFUSAL_LOGGERS):
                response = self.url_open(url, data=values)
            if expect_error:
                self.assertEqual(response.status_code, 200, values)
                self.assertIn("o_credit_error", response.text, values)
            else:
                self.assertNotEqual(response.status_code, 200, values)
            self.assertEqual(self.snapshot(), before, values)
            self.forged += 1
            return response

        promise = {
            "csrf_token": csrf,
            "invoice_ids": self.invoice.id,
            "promise_date": future,
        }
        for amount in ("1e308", "inf", "nan", "-10", "0", "100.005", "9e9", "1 000,5x"):
            response = post("/my/credit/promise", dict(promise, amount=amount))
        # The refusal is said in words chosen by the server, not the URL.
        self.assertIn("at most 2 decimals", response.text)
        post("/my/credit/promise", dict(promise, amount="1000.01"))
        # Without a CSRF token nothing runs.
        post(
            "/my/credit/promise",
            {"invoice_ids": self.invoice.id, "amount": "10", "promise_date": future},
            expect_error=False,
        )
        # An invoice of another company is not the portal user's to act on.
        post(
            "/my/credit/promise",
            dict(promise, invoice_ids=self.foreign_invoice.id, amount="10"),
        )
        # Over the portal's maximum, whatever the form says.
        post(
            "/my/credit/plan_request",
            {
                "csrf_token": csrf,
                "invoice_ids": self.invoice.id,
                "installments": "360",
                "first_date": future,
            },
        )
        # Page messages come from a fixed set of codes, never from the URL.
        for params in (
            "credit_error=Pay+to+IBAN+FR76+0000+FORGED",
            "credit_success=Pay+to+IBAN+FR76+0000+FORGED",
            "credit_error=refused&credit_success=FORGED",
        ):
            before = self.snapshot()
            page = self.url_open(f"/my/credit?{params}")
            self.assertEqual(page.status_code, 200)
            # (the URL itself is in the page's links, escaped)
            self.assertNotIn("FORGED", lxml.html.fromstring(page.text).text_content())
            self.assertNotIn("o_credit_success", page.text)
            self.assertEqual(self.snapshot(), before)
            self.forged += 1
        # /my/credit honours the companies the user is allowed in.
        before = self.snapshot()
        page = self.url_open("/my/credit")
        self.assertIn(self.invoice.name, page.text)
        # (its number may repeat one of the company's: its amount does not)
        self.assertNotIn("777.00", page.text)
        self.assertNotIn(self.foreign_invoice.access_token, page.text)
        self.assertEqual(self.snapshot(), before)
        self.forged += 1
        # Reports rendered with figures passed in the request.
        forged_data = json.dumps({"case_files": {str(self.debtor.id): {}}})
        for url in (
            f"/report/html/credit_collection.report_credit_case_file/{self.debtor.id}"
            f"?options={forged_data}",
            f"/report/pdf/credit_collection.report_credit_case_file/{self.debtor.id}",
            f"/report/html/credit_collection.report_credit_statement/{self.debtor.id}",
        ):
            before = self.snapshot()
            with mute_logger(*REFUSAL_LOGGERS):
                response = self.url_open(url)
            self.assertNotEqual(response.status_code, 200, url)
            self.assertNotIn(self.invoice.name, response.text, url)
            self.assertEqual(self.snapshot(), before)
            self.forged += 1
        self.assertEqual(self.forged, 19)

    def test_letter_cannot_be_replaced_from_a_reminder_link(self):
        """Files planted on a notice by the customer are refused, and no file
        named like the letter is ever served as the letter."""
        self.authenticate(None, None)
        url = self.notice.get_portal_url()
        csrf = self.csrf(url)
        name = self.letter.name
        for values in (
            {"thread_model": "credit.notice", "thread_id": self.notice.id},
            {
                "thread_model": "credit.notice",
                "thread_id": self.notice.id,
                "is_pending": "false",
            },
        ):
            before = self.snapshot()
            with mute_logger(*REFUSAL_LOGGERS):
                response = self.url_open(
                    "/mail/attachment/upload",
                    data=dict(values, csrf_token=csrf, token=self.notice.access_token),
                    files={"ufile": (name, b"%PDF-1.4 planted", "application/pdf")},
                )
            self.assertIn("error", response.json())
            self.assertEqual(self.snapshot(), before)
            self.forged += 1
        # Uploaded as pending, then attached to a message on the notice.
        with mute_logger(*REFUSAL_LOGGERS):
            pending = self.url_open(
                "/mail/attachment/upload",
                data={
                    "thread_model": "credit.notice",
                    "thread_id": self.notice.id,
                    "is_pending": "true",
                    "csrf_token": csrf,
                    "token": self.notice.access_token,
                },
                files={"ufile": (name, b"%PDF-1.4 planted", "application/pdf")},
            ).json()
        data = pending.get("data", {})
        data = data.get("store_data", data)  # 19.0 nests the store's records
        uploaded = data.get("ir.attachment", [{}])[0]
        self.assertTrue(uploaded.get("id"), pending)
        before = self.snapshot()
        with mute_logger(*REFUSAL_LOGGERS):
            posted = self.url_open(
                "/mail/message/post",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "thread_model": "credit.notice",
                            "thread_id": self.notice.id,
                            "post_data": {
                                "body": "Here is the letter",
                                "attachment_ids": [uploaded["id"]],
                                "message_type": "comment",
                            },
                            "token": self.notice.access_token,
                            "attachment_tokens": [uploaded.get("access_token")],
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            ).json()
        self.assertIn("error", posted)
        self.assertEqual(self.snapshot(), before)
        self.forged += 1
        # A file named like the letter (here planted by hand) is not served.
        planted = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": blank_pdf(3),
                    "res_model": "credit.notice",
                    "res_id": self.notice.id,
                }
            )
        )
        report = self.env.ref(REPORT)
        self.assertEqual(report.retrieve_attachment(self.notice), self.letter)
        content, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.notice.ids)
        )
        self.assertEqual(content, self.letter.raw)
        self.assertNotEqual(content, planted.raw)
        self.assertEqual(self.forged, 3)

    def test_expired_reminder_link(self):
        """The link of a paid reminder stops opening after the company's
        number of days; before that it still opens."""
        self.notice.write(
            {"state": "paid", "date_closed": self.today - timedelta(days=10)}
        )
        url = self.notice.get_portal_url()
        self.authenticate(None, None)
        self.assertEqual(self.url_open(url).status_code, 200)
        self.company.credit_portal_link_days = 5
        for target in (url, f"/my/credit/notices/{self.notice.id}/statement"):
            before = self.snapshot()
            if "statement" in target:
                target += f"?access_token={self.notice.access_token}"
            self.assertEqual(self.url_open(target).status_code, 404, target)
            self.assertEqual(self.snapshot(), before)
            self.forged += 1
        self.assertEqual(self.forged, 2)

    # ------------------------------------------------------------------
    # JSON-RPC
    # ------------------------------------------------------------------
    def test_jsonrpc_portal(self):
        """A portal customer reads none of the credit data of its account and
        changes nothing outside the portal's own answers."""
        self.authenticate("forged_portal", "forged_portal")
        for name in (
            "credit_escalation_stage",
            "credit_scenario_id",
            "credit_collector_id",
            "credit_level_id",
            "credit_risk_score",
            "credit_risk_grade_id",
            "credit_hold",
        ):
            self.assertRefusedRpc("res.partner", "read", [self.debtor.id], [name])
        self.assertRefusedRpc("res.partner", "search", [("credit_risk_score", "<", 60)])
        for name in ("credit_level_id", "credit_override_reason"):
            self.assertRefusedRpc("account.move", "read", [self.invoice.id], [name])
        # Its own reminder, not how it is handled (scenario, collector).
        for name in ("scenario_id", "user_id"):
            self.assertRefusedRpc("credit.notice", "read", [self.notice.id], [name])
        self.assertRefusedRpc(
            "credit.notice", "write", [self.notice.id], {"state": "paid"}
        )
        self.assertRefusedRpc("credit.notice", "action_cancel", [self.waiting.id])
        self.assertRefusedRpc("credit.payment.plan", "action_activate", [self.plan.id])
        self.assertRefusedRpc(
            "ir.attachment",
            "create",
            {
                "name": self.letter.name,
                "raw": "planted",
                "res_model": "credit.notice",
                "res_id": self.notice.id,
            },
        )
        # Its promises and disputes, not who handles them nor the notes.
        dispute = self.env["credit.dispute"].create(
            {
                "move_id": self.planned.id,
                "reason": "price",
                "resolution": "Internal: no credit note before the audit",
            }
        )
        for model, record, name in (
            ("credit.promise", self.promise, "user_id"),
            ("credit.promise", self.promise, "note"),
            ("credit.dispute", dispute, "user_id"),
            ("credit.dispute", dispute, "resolution"),
        ):
            self.assertRefusedRpc(model, "read", record.ids, [name])
        self.assertRefusedRpc("credit.dispute", "search_read", [], ["resolution"])
        answer = self.rpc("credit.promise", "web_read", self.promise.ids, {})
        self.assertNotIn("note", answer["result"][0])
        # The fields it may read (19.0 refuses a read of them all, core's
        # activity fields included), its amount among them, not the handler.
        readable = self.rpc("credit.promise", "fields_get", [], ["type"])["result"]
        self.assertNotIn("user_id", readable)
        self.assertNotIn("note", readable)
        answer = self.rpc("credit.promise", "read", self.promise.ids, ["amount"])
        self.assertIn("result", answer, answer.get("error"))
        self.assertEqual(answer["result"][0]["amount"], 100.0)
        self.assertEqual(self.forged, 21)

    def test_jsonrpc_billing_and_sales(self):
        """An invoicing user and a salesperson see the documents, not the
        collection file, and cannot forge approvals or pauses."""
        self.authenticate("forged_billing", "forged_billing")
        for name in (
            "credit_risk_score",
            "credit_risk_grade_id",
            "credit_risk_summary",
            "credit_escalation_stage",
            "credit_collector_id",
            "credit_level_id",
            "credit_exposure",
            "credit_scenario_id",
        ):
            self.assertRefusedRpc("res.partner", "read", [self.debtor.id], [name])
        self.assertRefusedRpc(
            "res.partner",
            "search_read",
            [("credit_risk_score", "<", 60)],
            ["name"],
        )
        self.assertRefusedRpc(
            "res.partner", "action_credit_compute_risk", [self.debtor.id]
        )
        for values in (
            {"credit_excluded": True},
            {"credit_paused_until": str(self.today + timedelta(days=90))},
        ):
            self.assertRefusedRpc("account.move", "write", [self.invoice.id], values)
            self.assertRefusedRpc("res.partner", "write", [self.debtor.id], values)
        self.assertRefusedRpc(
            "account.move",
            "write",
            [self.draft_invoice.id],
            {
                "credit_override_user_id": self.manager.id,
                "credit_override_amount": 99999.0,
                "credit_override_reason": "Approved by the director",
            },
        )
        self.assertRefusedRpc(
            "res.partner",
            "read",
            [self.debtor.id],
            ["credit_case_file_attachment_id"],
        )
        # A case file a controller generated (bound as the wizard binds it).
        case_file = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "Case file.zip",
                    "raw": b"PK case file",
                    "mimetype": "application/zip",
                    "res_model": "res.partner",
                    "res_id": self.debtor.id,
                    "res_field": "credit_case_file_attachment_id",
                }
            )
        )
        self.debtor.message_post(body="Case file", attachment_ids=case_file.ids)
        before = self.snapshot()
        with mute_logger(*REFUSAL_LOGGERS):
            response = self.url_open(f"/web/content/{case_file.id}?download=true")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(b"PK case file", response.content)
        self.assertEqual(self.snapshot(), before)
        self.forged += 1
        self.authenticate("forged_controller", "forged_controller")
        response = self.url_open(f"/web/content/{case_file.id}?download=true")
        self.assertEqual(response.content, b"PK case file")
        self.authenticate("forged_sales", "forged_sales")
        self.assertRefusedRpc(
            "sale.order",
            "write",
            [self.order.id],
            {"credit_override_user_id": self.manager.id, "credit_override_amount": 1e9},
        )
        self.assertRefusedRpc("res.partner", "read", [self.debtor.id], ["credit_hold"])
        self.assertRefusedRpc(
            "res.partner", "read", [self.debtor.id], ["credit_risk_grade_id"]
        )
        self.assertEqual(self.forged, 20)

    def test_jsonrpc_controller_and_manager(self):
        """Credit controllers and managers work through the actions: the
        fields those actions own are refused to a direct write."""
        self.authenticate("forged_controller", "forged_controller")
        for values in (
            {"state": "sent"},
            {"letter_attachment_id": False},
            {"sent_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefusedRpc("credit.notice", "write", [self.waiting.id], values)
        for values in (
            {"fee_amount": 0.0},
            {"level_id": self.level_first.id},
            {"date": str(self.today)},
            {"payment_deadline": str(self.today + timedelta(days=365))},
            {"line_ids": [Command.clear()]},
            {"amount_total": 1.0},
        ):
            self.assertRefusedRpc("credit.notice", "write", [self.notice.id], values)
        self.assertRefusedRpc("credit.notice", "action_cancel", [self.notice.id])
        self.assertRefusedRpc(
            "credit.notice", "action_credit_regenerate_letter", [self.notice.id]
        )
        for values in (
            {"credit_escalation_stage": "amicable"},
            {"credit_risk_grade_id": False},
            {"credit_risk_score": 100},
            {"credit_level_id": False},
            {"credit_grade_override_id": self.grade.id},
        ):
            self.assertRefusedRpc("res.partner", "write", [self.debtor.id], values)
        self.assertRefusedRpc(
            "account.move", "write", [self.invoice.id], {"credit_level_id": False}
        )
        self.assertRefusedRpc(
            "account.move",
            "write",
            [self.draft_invoice.id],
            {
                "credit_override_user_id": self.manager.id,
                "credit_override_amount": 99999.0,
                "credit_override_reason": "Approved by the manager",
            },
        )
        self.assertRefusedRpc(
            "credit.payment.plan", "write", [self.plan.id], {"state": "active"}
        )
        self.assertRefusedRpc(
            "credit.payment.plan",
            "write",
            [self.plan.id],
            {"installment_count": 1, "exceeds_grade_limit": False},
        )
        self.assertRefusedRpc(
            "credit.payment.plan",
            "create",
            {
                "partner_id": self.debtor.id,
                "currency_id": self.company.currency_id.id,
                "first_date": str(self.today + timedelta(days=10)),
                "installment_count": 1,
                "move_ids": [Command.set(self.invoice.ids)],
                "installment_ids": [
                    Command.create(
                        {"date_due": str(self.today + timedelta(days=10)), "amount": 1}
                    )
                ],
            },
        )
        installment = self.plan.installment_ids[:1]
        self.assertRefusedRpc(
            "credit.payment.plan.installment",
            "write",
            [installment.id],
            {"amount": 1.0},
        )
        self.assertRefusedRpc(
            "credit.payment.plan.installment",
            "create",
            {
                "plan_id": self.plan.id,
                "date_due": str(self.today + timedelta(days=400)),
                "amount": 5.0,
            },
        )
        self.assertRefusedRpc(
            "credit.payment.plan.installment", "unlink", [installment.id]
        )
        self.assertRefusedRpc(
            "credit.promise", "write", [self.promise.id], {"state": "kept"}
        )
        self.authenticate("forged_manager", "forged_manager")
        self.assertRefusedRpc("credit.notice.line", "unlink", self.notice.line_ids.ids)
        self.assertRefusedRpc(
            "credit.notice.line",
            "write",
            self.notice.line_ids.ids,
            {"amount_residual": 1.0},
        )
        self.assertRefusedRpc(
            "credit.notice",
            "create",
            {
                "partner_id": self.debtor.id,
                "level_id": self.level_formal.id,
                "date": str(self.today),
                "state": "sent",
            },
        )
        self.assertRefusedRpc(
            "sale.order",
            "write",
            [self.order.id],
            {
                "credit_override_user_id": self.manager.id,
                "credit_override_amount": 1e9,
                "credit_override_reason": "Trust me",
            },
        )
        self.assertRefusedRpc(
            "res.partner",
            "write",
            [self.debtor.id],
            {"credit_risk_grade_id": False, "credit_escalation_stage": "legal"},
        )
        self.assertEqual(self.forged, 30)

    # ------------------------------------------------------------------
    # Direct ORM calls (imports, server code run as the user)
    # ------------------------------------------------------------------
    def test_orm_writes(self):
        """The same rules hold for any caller of the ORM."""
        Plan = "credit.payment.plan"
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["credit.notice"]
            .browse(self.notice.id)
            .write({"state": "cancelled"}),
        )
        self.assertRefusedOrm(
            self.manager,
            lambda env: env["credit.notice"]
            .browse(self.notice.id)
            .write({"fee_amount": 400.0}),
        )
        self.assertRefusedOrm(
            self.manager,
            lambda env: env["credit.notice.line"].create(
                {
                    "notice_id": self.notice.id,
                    "move_id": self.planned.id,
                    "date_due": self.planned.invoice_date_due,
                    "amount_residual": 600.0,
                }
            ),
        )
        self.assertRefusedOrm(
            self.controller,
            lambda env: env[Plan].browse(self.plan.id).write({"state": "done"}),
        )
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["credit.dispute"].create(
                {"move_id": self.planned.id, "reason": "quality", "state": "resolved"}
            ),
        )
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["res.partner"]
            .browse(self.debtor.id)
            .with_company(self.company)
            .write({"credit_hold": False}),
        )
        self.assertRefusedOrm(
            self.billing,
            lambda env: env["res.partner"]
            .browse(self.debtor.id)
            .read(["credit_risk_summary"]),
        )
        self.assertRefusedOrm(
            self.portal,
            lambda env: env["res.partner"]
            .browse(self.debtor.id)
            .read(["credit_escalation_stage"]),
        )
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["sale.order"]
            .browse(self.order.id)
            ._credit_approve_override("Forged by a controller"),
        )
        # A plan whose schedule does not match its count cannot be approved.
        self.plan.installment_ids[-1:].unlink()
        self.assertRefusedOrm(
            self.manager, lambda env: env[Plan].browse(self.plan.id).action_activate()
        )
        # Portal over the limits: refused before anything is created.
        self.assertRefusedOrm(
            self.portal,
            lambda env: env[Plan]
            .sudo()
            ._credit_create_from_request(
                self.debtor, self.invoice, 360, self.today + timedelta(days=10), True
            ),
        )
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["res.partner"]
            .browse(self.debtor.id)
            .action_credit_remove_grade_override(),
        )
        # What was charged as late interest is the charging's record.
        self.company.credit_block_mode = "warn"
        charge_invoice = self.make_invoice(self.debtor, 12.0, self.today)
        charge = self.env["credit.interest.charge"].create(
            {
                "source_move_id": self.invoice.id,
                "charge_move_id": charge_invoice.id,
                "date_from": self.invoice.invoice_date_due,
                "date_to": self.today,
                "interest_amount": 12.0,
            }
        )
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["credit.interest.charge"]
            .browse(charge.id)
            .write({"date_to": self.today + timedelta(days=365)}),
        )
        self.assertRefusedOrm(
            self.manager,
            lambda env: env["credit.interest.charge"].browse(charge.id).unlink(),
        )
        self.assertEqual(self.forged, 14)

    def test_administrator_goes_through_the_actions(self):
        """An administrator's direct writes of what actions own are refused
        like anyone's; the same administrator's buttons work."""
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [Command.link(self.company.id)],
                "company_id": self.company.id,
                GROUPS_FIELD: [
                    Command.link(self.env.ref("base.group_system").id),
                    Command.link(
                        self.env.ref("credit_collection.group_credit_manager").id
                    ),
                ],
            }
        )
        self.authenticate("admin", "admin")
        answer = self.assertRefusedRpc(
            "credit.notice", "write", [self.notice.id], {"state": "cancelled"}
        )
        self.assertIn("change only through their actions", str(answer["error"]))
        self.assertRefusedRpc(
            "credit.notice", "write", [self.notice.id], {"fee_amount": 0.0}
        )
        self.assertRefusedRpc(
            "res.partner", "write", [self.debtor.id], {"credit_risk_score": 100}
        )
        self.assertRefusedRpc(
            "credit.payment.plan", "write", [self.plan.id], {"state": "active"}
        )
        self.assertRefusedRpc(
            "credit.payment.plan.installment",
            "write",
            self.plan.installment_ids[:1].ids,
            {"amount": 1.0},
        )
        self.assertRefusedRpc(
            "account.move",
            "write",
            [self.draft_invoice.id],
            {
                "credit_override_user_id": self.manager.id,
                "credit_override_amount": 99999.0,
                "credit_override_reason": "Approved by the administrator",
            },
        )
        self.assertRefusedRpc(
            "credit.promise", "write", [self.promise.id], {"state": "kept"}
        )
        # The administrator's button: the notice waiting is cancelled.
        answer = self.rpc("credit.notice", "action_cancel", [self.waiting.id])
        self.assertNotIn("error", answer)
        self.assertEqual(self.waiting.state, "cancelled")
        self.assertEqual(self.forged, 7)

    def test_emailed_statement_for_credit_groups(self):
        """The statement a controller emails is filed on the customer for the
        credit groups only: an invoicing user, who reads the customer,
        neither lists, reads, copies, unlocks nor downloads it."""
        # (posting on a customer takes the right to edit contacts)
        self.controller[GROUPS_FIELD] |= self.env.ref("base.group_partner_manager")
        action = self.debtor.with_user(self.controller).action_credit_send_statement()
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.controller)
            .with_context(**action["context"])
            .create({})
        )
        composer.action_send_mail()
        statement = self.debtor.message_ids[0].attachment_ids
        self.assertEqual(len(statement), 1)
        self.assertIn("Statement", statement.name)
        self.assertTrue(statement.credit_restricted)
        self.authenticate("forged_billing", "forged_billing")
        self.assertRefusedRpc("ir.attachment", "read", statement.ids, ["raw"])
        self.assertRefusedRpc("ir.attachment", "copy", statement.ids)
        self.assertRefusedRpc(
            "ir.attachment", "write", statement.ids, {"credit_restricted": False}
        )
        listed = self.rpc(
            "ir.attachment",
            "search_read",
            [("res_model", "=", "res.partner"), ("res_id", "=", self.debtor.id)],
            ["name"],
        )
        self.assertNotIn(statement.id, [row["id"] for row in listed["result"]])
        for user in ("forged_billing", "forged_portal"):
            self.authenticate(user, user)
            before = self.snapshot()
            with mute_logger(*REFUSAL_LOGGERS):
                response = self.url_open(f"/web/content/{statement.id}?download=true")
            self.assertNotEqual(response.status_code, 200, user)
            self.assertNotEqual(response.content, statement.raw, user)
            self.assertEqual(self.snapshot(), before)
            self.forged += 1
        # Nor locked out by a controller: the flag is the engine's.
        self.assertRefusedOrm(
            self.controller,
            lambda env: env["ir.attachment"]
            .browse(statement.id)
            .write({"credit_restricted": False}),
        )
        self.authenticate("forged_controller", "forged_controller")
        response = self.url_open(f"/web/content/{statement.id}?download=true")
        self.assertEqual(response.content, statement.raw)
        self.assertEqual(self.forged, 6)

    def test_held_portal_request_is_a_collector_todo(self):
        """A plan asked on the portal by a customer at the legal stage stays
        a request (nothing activated, paused or charged) and the collector,
        else the company's collections user, gets a to-do to approve it."""
        debtor = self.debtor.with_company(self.company)
        debtor.credit_escalation_stage = "legal"
        self.company.credit_plan_portal_auto_approve = True
        self.authenticate("forged_portal", "forged_portal")
        Plan = self.env["credit.payment.plan"]

        def ask():
            csrf = self.csrf("/my/credit")
            moves = self.snapshot()["moves"]
            self.url_open(
                "/my/credit/plan_request",
                data={
                    "csrf_token": csrf,
                    "invoice_ids": self.invoice.id,
                    "installments": "2",
                    "first_date": str(self.today + timedelta(days=10)),
                },
            )
            plan = Plan.search(
                [("move_ids", "in", self.invoice.ids), ("state", "!=", "cancelled")]
            )
            self.assertEqual(plan.state, "draft")
            self.assertFalse(plan.charge_move_id)
            self.assertEqual(self.snapshot()["moves"], moves)
            self.assertEqual(len(plan.activity_ids), 1)
            self.assertIn("collection or legal", plan.activity_ids.summary)
            return plan

        plan = ask()
        self.assertEqual(plan.activity_ids.user_id, self.salesperson)
        plan.action_cancel()
        debtor.user_id = False
        self.company.credit_fallback_user_id = self.controller
        plan = ask()
        self.assertEqual(plan.activity_ids.user_id, self.controller)

    # ------------------------------------------------------------------
    # Legitimate flows next to the forged ones
    # ------------------------------------------------------------------
    def test_salesperson_forms_and_confirmation(self):
        """A salesperson opens the customer and the order and confirms it, an
        invoicing user opens the customer and the invoice: the views drop the
        credit fields, the check reads them as superuser and says no figure."""
        for user, model, record in (
            (self.salesperson, "res.partner", self.debtor),
            (self.salesperson, "sale.order", self.order),
            (self.billing, "res.partner", self.debtor),
            (self.billing, "account.move", self.invoice),
        ):
            Model = self.env[model].with_user(user)
            views = Model.get_views([(False, "form"), (False, "list")])
            for view in views["views"].values():
                self.assertNotIn("credit_risk_score", view["arch"])
                self.assertNotIn("credit_level_id", view["arch"])
            # The fields the web client reads: those of the views' arch (19.0
            # also describes fields of nodes the user's groups removed).
            names = {
                node.get("name")
                for view in views["views"].values()
                for node in lxml.etree.fromstring(view["arch"]).iter("field")
            } & set(views["models"][model]["fields"])
            values = record.with_user(user).web_read({name: {} for name in names})
            self.assertEqual(values[0]["id"], record.id)
        self.debtor.with_company(self.company)._credit_set_hold("Cheque bounced")
        order = self.order.with_user(self.salesperson)
        with self.assertRaises(UserError) as error:
            order.action_confirm()
        self.assertNotIn("Cheque bounced", str(error.exception))
        self.assertIn("credit hold", str(error.exception))
        warning = self.env["account.move"].with_user(self.salesperson)
        message = warning._build_credit_warning_message(order.sudo())
        self.assertNotIn("Cheque bounced", message)

    def test_override_records_the_approver_and_payment_settles(self):
        """The override goes through the manager's approval: approver and
        amount are the server's; a billing user's payment still closes what
        it settles."""
        wizard = (
            self.env["credit.override.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "res_model": "sale.order",
                    "res_id": self.order.id,
                    "reason": "Bank guarantee received",
                }
            )
        )
        wizard.action_approve()
        self.assertEqual(self.order.state, "sale")
        self.assertEqual(self.order.credit_override_user_id, self.manager)
        self.assertEqual(self.order.credit_override_amount, self.order.amount_total)
        self.assertIn(
            "approved by forged_manager",
            " ".join(self.debtor.message_ids.mapped("body")),
        )
        # A billing user, who reads no dunning data, registers the payment.
        self.env["account.payment.register"].with_user(self.billing).with_context(
            active_model="account.move", active_ids=self.invoice.ids
        ).create({"payment_date": self.today})._create_payments()
        self.assertEqual(self.invoice.payment_state, "paid")
        self.assertEqual(self.notice.state, "paid")
        # (the day of the payment: a run may cross midnight after setUpClass)
        self.assertEqual(
            self.notice.date_closed, fields.Date.context_today(self.notice)
        )

    def test_portal_plan_requests_wait_when_escalated_or_disputed(self):
        """A customer at the legal stage, on hold or disputing gets a request
        for a collector, never an active plan; otherwise within the limits
        the plan is active at once."""
        Plan = self.env["credit.payment.plan"].with_user(self.portal).sudo()
        first = self.today + timedelta(days=10)
        debtor = self.debtor.with_company(self.company)
        self.company.credit_plan_portal_max_installments = 2
        with self.assertRaises(UserError):
            Plan._credit_create_from_request(debtor, self.invoice, 3, first, True)
        with self.assertRaisesRegex(UserError, "at least 1"):
            Plan._credit_create_from_request(debtor, self.invoice, 0, first, True)
        debtor.credit_escalation_stage = "legal"
        plan = Plan._credit_create_from_request(debtor, self.invoice, 2, first, True)
        self.assertEqual(plan.state, "draft")
        self.assertIn("collection or legal", plan.message_ids[0].body)
        plan.action_cancel()
        debtor.credit_escalation_stage = "amicable"
        self.env["credit.dispute"].create(
            {"move_id": self.invoice.id, "reason": "quality"}
        )
        plan = Plan._credit_create_from_request(debtor, self.invoice, 2, first, True)
        self.assertEqual(plan.state, "draft")
        self.assertIn("disputed", plan.message_ids[0].body)
        plan.action_cancel()
        self.env["credit.dispute"].search([]).action_cancel()
        plan = Plan._credit_create_from_request(debtor, self.invoice, 2, first, True)
        self.assertEqual(plan.state, "active")
        self.assertIn("approved by", " ".join(plan.message_ids.mapped("body")))

    def test_limits_are_finite(self):
        """Every delivered grade and an ungraded customer have a maximum; 0
        means a Credit Manager approves every plan."""
        grades = self.env["credit.risk.grade"].search([("company_id", "=", False)])
        self.assertTrue(grades)
        self.assertTrue(all(grade.max_plan_installments > 0 for grade in grades))
        Plan = self.env["credit.payment.plan"]
        other = self._customer("Ungraded SA")
        self.assertEqual(
            Plan._credit_max_installments(other, self.company),
            self.company.credit_plan_ungraded_max_installments,
        )
        self.grade.max_plan_installments = 0
        self.company.credit_block_mode = "warn"
        invoice = self.make_invoice(self.debtor, 100.0, self.today)
        with self.assertRaises(AccessError):
            Plan.with_user(self.controller)._credit_create_plan(
                self.debtor,
                invoice,
                {"first_date": self.today + timedelta(days=5), "installment_count": 1},
            )

    def test_manager_regenerates_letter_logged(self):
        """A Credit Manager's regeneration binds a new letter and says so."""
        with mute_logger(
            "odoo.addons.base.models.ir_actions_report",
            "odoo.addons.credit_collection.models.ir_actions_report",
        ):
            self.notice.with_user(self.manager).with_context(
                force_report_rendering=True
            ).action_credit_regenerate_letter()
        self.assertNotEqual(self.notice.letter_attachment_id, self.letter)
        self.assertTrue(self.notice.letter_attachment_id.raw.startswith(b"%PDF"))
        self.assertTrue(self.letter.exists())
        message = self.notice.message_ids[0]
        self.assertIn("Letter regenerated by forged_manager", message.body)
        self.assertEqual(message.author_id, self.manager.partner_id)

    def test_limit_changed_by_hand_is_logged(self):
        """A credit limit changed by hand is in the customer's chatter, with
        the acting user as author."""
        self.debtor.with_company(self.company).credit_limit = 2500.0
        message = self.debtor.message_ids[0]
        self.assertIn("Credit limit changed from", message.body)
        self.assertIn("2,500.00", message.body)
        self.assertEqual(message.author_id, self.env.user.partner_id)
