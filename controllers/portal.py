from datetime import timedelta

from werkzeug.urls import url_encode

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import format_date

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..tools.receivable import open_invoice_domain

PORTAL_NOTICE_STATES = ("sent", "paid")
# What the pages may say after an answer: a code from this set in the URL,
# never text (an error's words are kept in the session by the server).
SUCCESS_CODES = ("promise", "dispute", "plan_active", "plan_draft")
ERROR_CODE = "refused"
ERROR_SESSION_KEY = "credit_portal_error"


class CreditCollectionPortal(CustomerPortal):
    """The customer's side of collection: what is due, the reminders
    received, the payment plans, and the answers a customer can give by
    themselves (promise, dispute, plan request). Logged-in portal users act
    for their commercial partner; customers without a login act through the
    access token of a reminder they received."""

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "credit_due_amount" in counters:
            values["credit_due_amount"] = self._credit_due_counter()
        return values

    def _credit_due_counter(self):
        """The home page badge: overdue and upcoming amounts, or 0 (hidden)
        when nothing is due."""
        user = request.env.user
        if user._is_public():
            return 0
        totals = self._credit_totals(
            self._credit_open_invoices(user.commercial_partner_id)
        )
        if not totals:
            return 0
        return ", ".join(
            request.env._(
                "%(overdue)s overdue, %(upcoming)s upcoming",
                overdue=currency.format(amounts["overdue"]),
                upcoming=currency.format(amounts["upcoming"]),
            )
            for currency, amounts in totals.items()
        )

    def _credit_open_invoices(self, partner, company=None):
        """Open customer invoices of the commercial ``partner`` in ``company``
        (a reminder's), else in the companies the user is allowed in, as
        ``/my/invoices`` shows them (sudo: the domain itself restricts them
        to that customer)."""
        domain = [
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
            *open_invoice_domain(),
        ]
        if company:
            domain.append(("company_id", "=", company.id))
        else:
            domain.append(("company_id", "in", request.env.user.company_ids.ids))
        return (
            request.env["account.move"]
            .sudo()
            .search(domain, order="invoice_date_due, id")
        )

    def _credit_totals(self, invoices):
        """{currency: {'overdue': amount, 'upcoming': amount}}, rounded with
        each currency."""
        today = fields.Date.context_today(invoices)
        days = invoices._credit_days_overdue(today)
        totals = {}
        for invoice in invoices:
            amounts = totals.setdefault(
                invoice.currency_id, {"overdue": 0.0, "upcoming": 0.0}
            )
            key = "overdue" if days.get(invoice.id, 0) > 0 else "upcoming"
            amounts[key] += invoice.amount_residual
        for currency, amounts in totals.items():
            for key in amounts:
                amounts[key] = currency.round(amounts[key])
        return totals

    def _credit_actor(self, notice_id=None, access_token=None):
        """(commercial partner, notice or None, company or None) the request
        acts for: the reminder reached by token, else the logged-in user.

        :raise AccessError, MissingError: nobody identified, or bad token
        """
        user = request.env.user
        if notice_id:
            notice = self._document_check_access(
                "credit.notice", int(notice_id), access_token
            )
            if notice.state not in PORTAL_NOTICE_STATES:
                raise MissingError(request.env._("This document does not exist."))
            partner = notice.partner_id.commercial_partner_id
            owner = not user._is_public() and user.commercial_partner_id == partner
            if not owner and self._credit_link_expired(notice):
                raise MissingError(request.env._("This link has expired."))
            return partner, notice, notice.company_id
        if user._is_public():
            raise AccessError(request.env._("Sign in to see your account."))
        return user.commercial_partner_id, None, None

    def _credit_link_expired(self, notice):
        """The link of a paid reminder opens for the company's number of days
        after it was paid, then no more."""
        if notice.state != "paid":
            return False
        closed = notice.date_closed or fields.Date.to_date(notice.write_date)
        days = notice.company_id.credit_portal_link_days
        return closed + timedelta(days=days) < fields.Date.context_today(notice)

    def _credit_page_messages(self, kwargs):
        """(success code, error text) to show: codes from a fixed set only;
        the words of an error come from the session, where the server put
        them, never from the URL."""
        success = kwargs.get("credit_success")
        error = None
        if kwargs.get("credit_error") == ERROR_CODE:
            error = request.session.pop(ERROR_SESSION_KEY, None) or request.env._(
                "Your request was not recorded; nothing was changed."
            )
        return (success if success in SUCCESS_CODES else None), error

    def _credit_account_values(self, partner, company=None, notice=None, **kwargs):
        """Values of the account block: open invoices, totals, the grade's
        limit on installments, and the hidden fields that identify the
        customer in the forms."""
        today = fields.Date.context_today(request.env.user)
        invoices = self._credit_open_invoices(partner, company)
        days = invoices._credit_days_overdue(today)
        disputed = (
            request.env["credit.dispute"]
            .sudo()
            .search([("move_id", "in", invoices.ids), ("state", "=", "open")])
            .move_id
        )
        plan_company = company or invoices.company_id[:1] or request.env.company
        max_installments = (
            request.env["credit.payment.plan"]
            .sudo()
            ._credit_portal_max_installments(partner, plan_company)
        )
        success, error = self._credit_page_messages(kwargs)
        max_date = today + timedelta(days=plan_company.credit_portal_max_days)
        return {
            "credit_partner": partner,
            "credit_notice": notice,
            "credit_access_token": notice.access_token if notice else None,
            "credit_invoices": invoices,
            "credit_days_overdue": days,
            "credit_overdue": invoices.filtered(lambda m: days.get(m.id, 0) > 0),
            "credit_upcoming": invoices.filtered(lambda m: days.get(m.id, 0) <= 0),
            "credit_disputed": disputed,
            "credit_totals": self._credit_totals(invoices),
            "credit_today": today,
            "credit_max_installments": max_installments,
            "credit_dispute_reasons": request.env["credit.dispute"]
            ._fields["reason"]
            ._description_selection(request.env),
            "credit_max_date": max_date,
            "credit_default_first_date": min(today + timedelta(days=30), max_date),
            "credit_success": success,
            "credit_error": error,
        }

    def _credit_redirect(self, notice, **params):
        """Back to the page the customer acted from, with the outcome."""
        if notice:
            url = notice.get_portal_url()
            separator = "&" if "?" in url else "?"
        else:
            url, separator = "/my/credit", "?"
        params = {key: value for key, value in params.items() if value}
        return request.redirect(
            f"{url}{separator}{url_encode(params)}" if params else url
        )

    def _credit_selected_invoices(self, partner, company, invoice_ids):
        """The open invoices of ``partner`` among the posted ids; anything
        else is refused without naming what it is."""
        env = request.env
        try:
            ids = {int(value) for value in invoice_ids if value}
        except (TypeError, ValueError) as error:
            raise UserError(env._("Select the invoices concerned.")) from error
        if not ids:
            raise UserError(env._("Select the invoices concerned."))
        invoices = self._credit_open_invoices(partner, company).filtered(
            lambda m: m.id in ids
        )
        if len(invoices) != len(ids):
            raise UserError(
                env._(
                    "Some of the selected invoices are not open invoices of your "
                    "account."
                )
            )
        if len(invoices.company_id) > 1:
            raise UserError(
                env._(
                    "Select invoices of one company at a time: %(companies)s "
                    "each follow their own invoices.",
                    companies=", ".join(invoices.company_id.mapped("name")),
                )
            )
        return invoices

    def _credit_log(self, partner, notice, company, body):
        """What the customer did, in the chatter of the customer and of the
        reminder, where the collector sees it."""
        author = self._credit_author(partner)
        partner.sudo().with_company(company).message_post(
            body=body, author_id=author.id
        )
        if notice:
            notice.message_post(body=body, author_id=author.id)

    def _credit_author(self, partner):
        user = request.env.user
        return user.partner_id if not user._is_public() else partner

    def _credit_act(self, post, action):
        """Run ``action(partner, notice, company)`` in a savepoint: a bad
        request changes nothing and comes back with its message."""
        try:
            partner, notice, company = self._credit_actor(
                post.get("notice_id"), post.get("access_token")
            )
        except (AccessError, MissingError, ValueError) as error:
            raise request.not_found() from error
        try:
            with request.env.cr.savepoint():
                success = action(partner, notice, company)
        except (UserError, ValidationError, AccessError) as error:
            request.session[ERROR_SESSION_KEY] = str(error.args[0])[:1000]
            return self._credit_redirect(notice, credit_error=ERROR_CODE)
        return self._credit_redirect(notice, credit_success=success)

    # ------------------------------------------------------------------
    # Pages
    # ------------------------------------------------------------------
    @http.route(["/my/credit"], type="http", auth="user", website=True)
    def portal_my_credit(self, **kwargs):
        partner = request.env.user.commercial_partner_id
        values = self._prepare_portal_layout_values()
        values.update(self._credit_account_values(partner, **kwargs))
        values["page_name"] = "credit"
        return request.render("credit_collection.portal_my_credit", values)

    @http.route(["/my/credit/notices"], type="http", auth="user", website=True)
    def portal_my_credit_notices(self, **kwargs):
        # Searched as the user (record rules), shown with sudo (levels...).
        notices = (
            request.env["credit.notice"]
            .search([("state", "in", PORTAL_NOTICE_STATES)])
            .sudo()
        )
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "credit_notices", "notices": notices})
        return request.render("credit_collection.portal_my_credit_notices", values)

    @http.route(
        ["/my/credit/notices/<int:notice_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_credit_notice(
        self, notice_id, access_token=None, report_type=None, download=False, **kw
    ):
        try:
            partner, notice, company = self._credit_actor(notice_id, access_token)
        except (AccessError, MissingError) as error:
            raise request.not_found() from error
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=notice,
                report_type=report_type,
                report_ref="credit_collection.action_report_credit_notice",
                download=download,
            )
        values = self._prepare_portal_layout_values()
        values.update(self._credit_account_values(partner, company, notice, **kw))
        values = self._get_page_view_values(
            notice, access_token, values, "my_credit_notices_history", False, **kw
        )
        values["page_name"] = "credit_notice"
        values["notice"] = notice
        return request.render("credit_collection.portal_my_credit_notice", values)

    def _credit_statement_pdf(self, partner, company):
        """The statement of account of ``partner`` in ``company`` as a PDF
        response."""
        pdf = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(company)
            ._render_qweb_pdf(
                "credit_collection.action_report_credit_statement",
                partner.commercial_partner_id.ids,
            )[0]
        )
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
            ],
        )

    @http.route(["/my/credit/statement"], type="http", auth="user", website=True)
    def portal_my_credit_statement(self, **kwargs):
        user = request.env.user
        return self._credit_statement_pdf(user.commercial_partner_id, user.company_id)

    @http.route(
        ["/my/credit/notices/<int:notice_id>/statement"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_credit_notice_statement(self, notice_id, access_token=None, **kw):
        try:
            partner, notice, company = self._credit_actor(notice_id, access_token)
        except (AccessError, MissingError) as error:
            raise request.not_found() from error
        return self._credit_statement_pdf(partner, company)

    @http.route(["/my/credit/plans"], type="http", auth="user", website=True)
    def portal_my_credit_plans(self, **kwargs):
        plans = request.env["credit.payment.plan"].search([]).sudo()
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "credit_plans", "plans": plans})
        return request.render("credit_collection.portal_my_credit_plans", values)

    @http.route(
        ["/my/credit/plans/<int:plan_id>"], type="http", auth="user", website=True
    )
    def portal_my_credit_plan(self, plan_id, **kwargs):
        plan = request.env["credit.payment.plan"].browse(plan_id)
        try:
            plan.check_access("read")
            plan = plan.sudo().exists()
        except (AccessError, MissingError) as error:
            raise request.not_found() from error
        if not plan:
            raise request.not_found()
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "credit_plan", "plan": plan})
        return request.render("credit_collection.portal_my_credit_plan", values)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @http.route(["/my/credit/promise"], type="http", auth="public", methods=["POST"])
    def portal_credit_promise(self, **post):
        invoice_ids = request.httprequest.form.getlist("invoice_ids")

        def promise(partner, notice, company):
            env = request.env
            invoices = self._credit_selected_invoices(partner, company, invoice_ids)
            company = invoices.company_id
            # The checks (date, amount within what is owed) are the model's.
            record = env["credit.promise"]._credit_create_from_portal(
                partner,
                invoices,
                post.get("amount"),
                post.get("promise_date"),
                post.get("note"),
            )
            self._credit_log(
                partner,
                notice,
                company,
                env._(
                    "Promise to pay made on the portal by %(author)s: %(promise)s "
                    "(%(invoices)s).",
                    author=self._credit_author(partner).display_name,
                    promise=record.display_name,
                    invoices=", ".join(invoices.mapped("name")),
                ),
            )
            return "promise"

        return self._credit_act(post, promise)

    @http.route(["/my/credit/dispute"], type="http", auth="public", methods=["POST"])
    def portal_credit_dispute(self, **post):
        def dispute(partner, notice, company):
            env = request.env
            invoice = self._credit_selected_invoices(
                partner, company, [post.get("invoice_id")]
            )
            reasons = dict(env["credit.dispute"]._fields["reason"].selection)
            upload = request.httprequest.files.get("attachment")
            attachment = None
            if upload and upload.filename:
                attachment = (upload.filename, upload.read())
            # The checks (reason, message, file size) are the model's.
            env["credit.dispute"]._credit_create_from_portal(
                partner,
                invoice,
                post.get("reason"),
                post.get("message"),
                attachment,
                self._credit_author(partner),
            )
            company = invoice.company_id
            self._credit_log(
                partner,
                notice,
                company,
                env._(
                    "Invoice %(invoice)s disputed on the portal by %(author)s: "
                    "%(reason)s.",
                    invoice=invoice.name,
                    author=self._credit_author(partner).display_name,
                    reason=reasons[post.get("reason")],
                ),
            )
            return "dispute"

        return self._credit_act(post, dispute)

    @http.route(
        ["/my/credit/plan_request"], type="http", auth="public", methods=["POST"]
    )
    def portal_credit_plan_request(self, **post):
        invoice_ids = request.httprequest.form.getlist("invoice_ids")

        def plan_request(partner, notice, company):
            env = request.env
            invoices = self._credit_selected_invoices(partner, company, invoice_ids)
            company = invoices.company_id
            today = fields.Date.context_today(invoices)
            first_date = company._credit_parse_portal_date(
                post.get("first_date"), today
            )
            try:
                count = int(post.get("installments") or 0)
            except ValueError:
                count = 0
            Plan = env["credit.payment.plan"].sudo().with_company(company)
            # The checks (at least one installment, the grade's and the
            # portal's limits) are the model's.
            plan = Plan._credit_create_from_request(
                partner,
                invoices,
                count,
                first_date,
                auto_approve=company.credit_plan_portal_auto_approve,
            )
            self._credit_log(
                partner,
                notice,
                company,
                env._(
                    "Payment plan %(plan)s requested on the portal by %(author)s: "
                    "%(count)s installments from %(date)s (%(state)s).",
                    plan=plan.name,
                    author=self._credit_author(partner).display_name,
                    count=count,
                    date=format_date(env, first_date),
                    state=dict(plan._fields["state"]._description_selection(env))[
                        plan.state
                    ],
                ),
            )
            return "plan_active" if plan.state == "active" else "plan_draft"

        return self._credit_act(post, plan_request)
