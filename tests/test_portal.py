import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import CreditCollectionCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestCreditPortal(CreditCollectionCommon, HttpCase):
    """The customer portal: a customer sees and acts on their own account
    only, by login or by the token of a reminder they received."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True
        )
        # Real dates: the browser of the tours runs on the real clock.
        cls.today = fields.Date.context_today(cls.env.user)
        cls.other = cls._customer("Martin Textiles")
        cls.portal_user = cls.make_portal_user(cls.customer, "dupont_portal")
        cls.other_user = cls.make_portal_user(cls.other, "martin_portal")
        cls.overdue = cls.make_invoice(
            cls.customer, 1200.0, cls.today - timedelta(days=10)
        )
        cls.upcoming = cls.make_invoice(
            cls.customer, 300.0, cls.today + timedelta(days=10)
        )
        cls.other_invoice = cls.make_invoice(
            cls.other, 800.0, cls.today - timedelta(days=10)
        )

    def _notices(self):
        """Send today's reminders; returns {customer: notice}."""
        self.run_dunning(self.today)
        notices = self.notices(on=self.today)
        self.assertTrue(notices, "the reminders were not sent")
        return {notice.partner_id: notice for notice in notices}

    def _csrf(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return CSRF_RE.search(response.text).group(1)

    def _counts(self):
        return (
            self.env["credit.promise"].search_count([]),
            self.env["credit.dispute"].search_count([]),
            self.env["credit.payment.plan"].search_count([]),
        )

    def test_pages_render(self):
        notice = self._notices()[self.customer]
        plan = (
            self.env["credit.payment.plan"]
            .sudo()
            ._credit_create_from_request(
                self.customer, self.upcoming, 2, self.today + timedelta(days=20)
            )
        )
        self.authenticate("dupont_portal", "dupont_portal")
        page = self.url_open("/my/credit")
        self.assertEqual(page.status_code, 200)
        for text in (self.overdue.name, self.upcoming.name, "Pay now", "10"):
            self.assertIn(text, page.text)
        self.assertNotIn(self.other_invoice.name, page.text)
        self.assertIn(self.overdue.access_token, page.text)
        notices = self.url_open("/my/credit/notices")
        self.assertIn(notice.name, notices.text)
        detail = self.url_open(f"/my/credit/notices/{notice.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn(notice.level_id.name, detail.text)
        pdf = self.url_open(f"/my/credit/notices/{notice.id}?report_type=pdf")
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        statement = self.url_open("/my/credit/statement")
        self.assertEqual(statement.headers["Content-Type"], "application/pdf")
        html = (
            self.env["ir.actions.report"]
            .with_company(self.company)
            ._render_qweb_html(
                "credit_collection.action_report_credit_statement", self.customer.ids
            )[0]
            .decode()
        )
        for text in (self.overdue.name, self.upcoming.name, "1,500.00", "1,200.00"):
            self.assertIn(text, html)
        self.assertNotIn(self.other_invoice.name, html)
        self.assertIn(plan.name, self.url_open("/my/credit/plans").text)
        plan_page = self.url_open(f"/my/credit/plans/{plan.id}")
        self.assertEqual(plan_page.status_code, 200)
        self.assertIn("o_credit_plan_schedule", plan_page.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["credit_due_amount"]}
        )
        self.assertIn("overdue", counters["credit_due_amount"])
        self.assertIn("1,200.00", counters["credit_due_amount"])

    def test_other_customer_documents_not_found(self):
        notices = self._notices()
        mine, theirs = notices[self.customer], notices[self.other]
        plan = (
            self.env["credit.payment.plan"]
            .sudo()
            ._credit_create_from_request(
                self.other, self.other_invoice, 2, self.today + timedelta(days=20)
            )
        )
        theirs._portal_ensure_token()
        mine._portal_ensure_token()
        self.authenticate("dupont_portal", "dupont_portal")
        for url in (
            f"/my/credit/notices/{theirs.id}",
            f"/my/credit/notices/{theirs.id}?report_type=pdf",
            f"/my/credit/notices/{theirs.id}?access_token={mine.access_token}",
            f"/my/credit/notices/{theirs.id}/statement",
            f"/my/credit/notices/{theirs.id}/statement?access_token={mine.access_token}",
            f"/my/credit/plans/{plan.id}",
            f"/my/credit/plans/{plan.id}?access_token={mine.access_token}",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        self.assertNotIn(theirs.name, self.url_open("/my/credit/notices").text)
        self.assertNotIn(plan.name, self.url_open("/my/credit/plans").text)
        # Another customer's invoice: Odoo's invoice page sends back to /my.
        self.overdue._portal_ensure_token()
        for url in (
            f"/my/invoices/{self.other_invoice.id}",
            f"/my/invoices/{self.other_invoice.id}"
            f"?access_token={self.overdue.access_token}",
        ):
            response = self.url_open(url)
            self.assertNotIn(self.other_invoice.name, response.text)
            self.assertTrue(response.url.endswith("/my"), url)
        # Without login: a wrong token is refused too.
        self.authenticate(None, None)
        self.assertEqual(
            self.url_open(
                f"/my/credit/notices/{theirs.id}?access_token={mine.access_token}"
            ).status_code,
            404,
        )
        self.assertEqual(self.url_open("/my/credit").url.count("/web/login"), 1)

    def test_forged_posts_refused(self):
        self._notices()
        self.authenticate("dupont_portal", "dupont_portal")
        csrf = self._csrf("/my/credit")
        future = str(self.today + timedelta(days=5))
        past = str(self.today - timedelta(days=1))
        grade = self.env["credit.risk.grade"].create(
            {
                "name": "Tight",
                "code": "T",
                "min_score": 0,
                "company_id": self.company.id,
                "max_plan_installments": 3,
            }
        )
        self.customer.with_company(self.company).credit_risk_grade_id = grade
        before = self._counts()
        cases = [
            ("/my/credit/promise", [("invoice_ids", self.other_invoice.id)], {}),
            (
                "/my/credit/promise",
                [
                    ("invoice_ids", self.overdue.id),
                    ("invoice_ids", self.other_invoice.id),
                ],
                {},
            ),
            ("/my/credit/promise", [("invoice_ids", self.overdue.id)], {"amount": -5}),
            ("/my/credit/promise", [("invoice_ids", self.overdue.id)], {"amount": 0}),
            (
                "/my/credit/promise",
                [("invoice_ids", self.overdue.id)],
                {"promise_date": past},
            ),
            ("/my/credit/promise", [("invoice_ids", self.overdue.id)], {"amount": 9e9}),
            (
                "/my/credit/promise",
                [("invoice_ids", self.overdue.id)],
                {"amount": "nan"},
            ),
            (
                "/my/credit/promise",
                [("invoice_ids", self.overdue.id)],
                {"promise_date": str(self.today + timedelta(days=61))},
            ),
            ("/my/credit/promise", [("invoice_ids", "x")], {}),
            ("/my/credit/promise", [], {}),
            ("/my/credit/dispute", [("invoice_id", self.other_invoice.id)], {}),
            ("/my/credit/dispute", [("invoice_id", self.overdue.id)], {"reason": "x"}),
            ("/my/credit/plan_request", [("invoice_ids", self.other_invoice.id)], {}),
            (
                "/my/credit/plan_request",
                [("invoice_ids", self.overdue.id)],
                {"installments": 4},
            ),
            (
                "/my/credit/plan_request",
                [("invoice_ids", self.overdue.id)],
                {"first_date": past},
            ),
        ]
        for url, invoices, overrides in cases:
            values = {
                "csrf_token": csrf,
                "amount": 100,
                "promise_date": future,
                "first_date": future,
                "installments": 2,
                "reason": "quality",
                "message": "Broken goods",
                **overrides,
            }
            response = self.url_open(url, data=invoices + list(values.items()))
            self.assertEqual(response.status_code, 200, (url, invoices, overrides))
            self.assertIn("o_credit_error", response.text, (url, invoices, overrides))
            self.assertNotIn(self.other_invoice.name, response.text)
            self.assertEqual(self._counts(), before, (url, invoices, overrides))
        # No CSRF token: refused before anything runs.
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/my/credit/promise",
                data={
                    "invoice_ids": self.overdue.id,
                    "amount": 10,
                    "promise_date": future,
                },
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._counts(), before)

    def test_dispute_with_document_and_plan_for_approval(self):
        """A dispute carries the customer's document; without auto-approval
        a plan request waits for the collector."""
        self.company.credit_plan_portal_auto_approve = False
        self.authenticate("dupont_portal", "dupont_portal")
        csrf = self._csrf("/my/credit")
        response = self.url_open(
            "/my/credit/dispute",
            data={
                "csrf_token": csrf,
                "invoice_id": self.overdue.id,
                "reason": "delivery",
                "message": "Half of the order never arrived.",
            },
            files={"attachment": ("delivery_note.pdf", b"%PDF-1.4 note", "text/plain")},
        )
        self.assertIn("o_credit_success", response.text)
        dispute = self.env["credit.dispute"].search([("move_id", "=", self.overdue.id)])
        self.assertRecordValues(
            dispute, [{"source": "portal", "reason": "delivery", "state": "open"}]
        )
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "credit.dispute"), ("res_id", "=", dispute.id)]
        )
        self.assertEqual(attachment.name, "delivery_note.pdf")
        self.assertIn(self.overdue.id, self.overdue._credit_paused_move_ids(self.today))
        # The same invoice cannot be disputed twice.
        response = self.url_open(
            "/my/credit/dispute",
            data={
                "csrf_token": csrf,
                "invoice_id": self.overdue.id,
                "reason": "price",
                "message": "Again",
            },
        )
        self.assertIn("o_credit_error", response.text)
        self.assertEqual(self.env["credit.dispute"].search_count([]), 1)

        response = self.url_open(
            "/my/credit/plan_request",
            data=[
                ("csrf_token", csrf),
                ("invoice_ids", self.overdue.id),
                ("invoice_ids", self.upcoming.id),
                ("installments", "4"),
                ("first_date", str(self.today + timedelta(days=15))),
            ],
        )
        self.assertIn("o_credit_success", response.text)
        plan = self.env["credit.payment.plan"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            plan, [{"state": "draft", "source": "portal", "installment_count": 4}]
        )
        self.assertEqual(plan.move_ids, self.overdue | self.upcoming)
        bodies = " ".join(self.customer.message_ids.mapped("body"))
        self.assertIn("dupont_portal contact: Not delivered or incomplete", bodies)
        self.assertIn(f"Payment plan {plan.name} requested on the portal", bodies)

    def test_promise_by_reminder_token(self):
        """A customer without a login answers the reminder from its link:
        the promise pauses dunning and the collector sees it."""
        notice = self._notices()[self.customer]
        url = notice.get_portal_url()
        self.authenticate(None, None)
        csrf = self._csrf(url)
        promise_date = self.today + timedelta(days=7)
        response = self.url_open(
            "/my/credit/promise",
            data=[
                ("csrf_token", csrf),
                ("notice_id", notice.id),
                ("access_token", notice.access_token),
                ("invoice_ids", self.overdue.id),
                ("amount", "1200.00"),
                ("promise_date", str(promise_date)),
            ],
        )
        self.assertIn("o_credit_success", response.text)
        promise = self.env["credit.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            promise,
            [
                {
                    "source": "portal",
                    "amount": 1200.0,
                    "promise_date": promise_date,
                    "state": "open",
                }
            ],
        )
        self.assertEqual(promise.move_ids, self.overdue)
        self.assertIn(
            self.overdue.id,
            self.overdue._credit_paused_move_ids(promise_date),
        )
        for record in (notice, self.customer):
            self.assertIn(
                "Promise to pay made on the portal",
                " ".join(record.message_ids.mapped("body")),
            )
        # The token of one reminder does not act for another customer.
        response = self.url_open(
            "/my/credit/promise",
            data=[
                ("csrf_token", csrf),
                ("notice_id", notice.id),
                ("access_token", notice.access_token),
                ("invoice_ids", self.other_invoice.id),
                ("amount", "10"),
                ("promise_date", str(promise_date)),
            ],
        )
        self.assertIn("o_credit_error", response.text)
        self.assertEqual(self.env["credit.promise"].search_count([]), 1)

    def test_tour_promise(self):
        self.start_tour("/my", "credit_portal_promise", login="dupont_portal")
        promise = self.env["credit.promise"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            promise,
            [
                {
                    "source": "portal",
                    "amount": 100.0,
                    # The tour types the browser's (UTC) date in ten days.
                    "promise_date": fields.Date.today() + timedelta(days=10),
                }
            ],
        )

    def test_tour_dispute(self):
        self.start_tour("/my/credit", "credit_portal_dispute", login="dupont_portal")
        dispute = self.env["credit.dispute"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            dispute,
            [
                {
                    "source": "portal",
                    "reason": "quality",
                    "state": "open",
                    "description": "The goods arrived damaged.",
                }
            ],
        )

    def test_tour_plan_request(self):
        self.start_tour("/my/credit", "credit_portal_plan", login="dupont_portal")
        plan = self.env["credit.payment.plan"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            plan,
            [{"source": "portal", "state": "active", "installment_count": 3}],
        )
        self.assertEqual(plan.move_ids, self.overdue)

    def test_tour_pay_now_from_reminder_email(self):
        notice = self._notices()[self.customer]
        mail = self.env["mail.mail"].search(
            [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
        )
        body = " ".join(mail.mapped("body_html")) or " ".join(
            notice.message_ids.mapped("body")
        )
        link = re.search(r'href="[^"]*(/my/credit/notices/[^"]+)"', body).group(1)
        self.assertIn("access_token=", link)
        self.start_tour(link.replace("&amp;", "&"), "credit_portal_pay_from_email")
