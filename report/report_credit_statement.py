from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.aging import bucket_of, statement_buckets
from ..tools.receivable import SETTLED_PAYMENT_STATES

# Payments listed on the statement: those of the last PAYMENT_DAYS days.
PAYMENT_DAYS = 90
# The statement's aging columns, from the one bucket table.
STATEMENT_BUCKETS = statement_buckets()


class ReportCreditStatement(models.AbstractModel):
    """Statement of account of customers in the current company: open items
    with their aging and the payments of the last days, read with two
    searches for the whole batch of customers."""

    _name = "report.credit_collection.report_credit_statement"
    _description = "Customer Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The statement of today in the current company, whatever the request
        passes in ``data``; for credit controllers, and for the portal's own
        routes (which render it as superuser for the customer's account)."""
        if not (
            self.env.su
            or self.env.user.has_group("credit_collection.group_credit_controller")
        ):
            raise AccessError(
                self.env._("Only credit controllers can print statements of account.")
            )
        partners = self.env["res.partner"].browse(docids)
        company = self.env.company
        date = fields.Date.context_today(self.with_company(company))
        days = PAYMENT_DAYS
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "statements": self._statement_values(partners, company, date, days),
        }

    @api.model
    def _statement_values(self, partners, company, date, payment_days=PAYMENT_DAYS):
        """{partner id: values} of each customer's statement on ``date``:
        open receivable items, aging totals, payments of the last
        ``payment_days`` days; amounts in the company currency."""
        date = fields.Date.to_date(date)
        commercial = partners.commercial_partner_id
        base_domain = [
            ("company_id", "=", company.id),
            ("partner_id", "child_of", commercial.ids),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
        ]
        # An invoice paid without journal entry (Odoo 18: a payment method
        # without outstanding account) keeps its receivable open in the
        # ledger until the bank reconciliation, but the customer has paid it.
        open_lines = self.env["account.move.line"].search(
            [
                *base_domain,
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
                ("move_id.payment_state", "not in", SETTLED_PAYMENT_STATES),
            ],
            order="date_maturity, date, id",
        )
        payment_lines = self.env["account.move.line"].search(
            [
                *base_domain,
                ("credit", ">", 0),
                ("move_id.move_type", "=", "entry"),
                ("date", ">", date - timedelta(days=payment_days)),
                ("date", "<=", date),
            ],
            order="date desc, id desc",
        )
        # A payment without journal entry (a payment method without
        # outstanding account) is in no journal line: listed from the payment.
        entryless_payments = self.env["account.payment"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", commercial.ids),
                ("partner_type", "=", "customer"),
                ("payment_type", "=", "inbound"),
                ("move_id", "=", False),
                ("state", "in", ("in_process", "paid")),
                ("date", ">", date - timedelta(days=payment_days)),
                ("date", "<=", date),
            ],
            order="date desc, id desc",
        )
        # Invoices in an active payment plan are owed by its schedule, not
        # by their own due dates: the statement shows the schedule and asks
        # for its installments due, not for the whole sum.
        plans = (
            self.env["credit.payment.plan"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", commercial.ids),
                    ("state", "=", "active"),
                ]
            )
        )
        plan_by_move = {move.id: plan for plan in plans for move in plan.move_ids}
        open_by_partner = defaultdict(list)
        for line in open_lines:
            open_by_partner[line.partner_id.commercial_partner_id.id].append(line)
        payments_by_partner = defaultdict(list)
        for line in payment_lines:
            payments_by_partner[line.partner_id.commercial_partner_id.id].append(
                {
                    "line": line,
                    "date": line.date,
                    "reference": line.move_id.ref or line.move_id.name,
                    "amount": line.credit,
                }
            )
        for payment in entryless_payments:
            payments_by_partner[payment.partner_id.commercial_partner_id.id].append(
                {
                    "line": False,
                    "date": payment.date,
                    "reference": payment.memo or payment.name,
                    "amount": payment.amount_company_currency_signed,
                }
            )

        currency = company.currency_id
        letterhead = self.env["report.credit_collection.report_credit_notice"]
        statements = {}
        for partner in partners:
            key = partner.commercial_partner_id.id
            lang = partner.lang or self.env.lang or "en_US"
            items = []
            aging = dict.fromkeys((bucket[0] for bucket in STATEMENT_BUCKETS), 0.0)
            overdue_outside_plans = 0.0
            for line in open_by_partner[key]:
                due = line.date_maturity or line.date
                days_overdue = (date - due).days
                aging[bucket_of(days_overdue, STATEMENT_BUCKETS)] += (
                    line.amount_residual
                )
                plan = plan_by_move.get(line.move_id.id)
                if days_overdue > 0 and not plan:
                    overdue_outside_plans += line.amount_residual
                items.append(
                    {
                        "line": line,
                        "move": line.move_id,
                        "date": line.date,
                        "date_due": due,
                        "days_overdue": max(days_overdue, 0),
                        "amount": line.balance,
                        "residual": line.amount_residual,
                        "plan": plan,
                    }
                )
            partner_plans = plans.filtered(lambda plan, k=key: plan.partner_id.id == k)
            installments_due = partner_plans.installment_ids.filtered(
                lambda inst: inst.state in ("open", "late") and inst.date_due <= date
            )
            aging = {bucket: currency.round(amount) for bucket, amount in aging.items()}
            payments = sorted(
                payments_by_partner[key], key=lambda p: p["date"], reverse=True
            )
            statements[partner.id] = {
                "company": company,
                "currency": currency,
                "date": date,
                "payment_days": payment_days,
                "items": items,
                "aging": aging,
                "total_due": currency.round(sum(aging.values())),
                "total_overdue": currency.round(
                    sum(
                        amount
                        for bucket, amount in aging.items()
                        if bucket != "not_due"
                    )
                ),
                "plans": partner_plans,
                # What the customer must pay now: overdue invoices outside
                # any plan, and the installments of its plans due by now.
                "amount_due_now": currency.round(
                    overdue_outside_plans
                    + sum(installments_due.mapped("amount_residual"))
                ),
                "payments": payments,
                "total_paid": currency.round(sum(p["amount"] for p in payments)),
                # Place, date and amounts of the head in the reader's language.
                "head": letterhead.with_context(lang=lang)._letterhead_values(
                    company, partner._credit_invoice_address(), date, partner
                ),
                "lang": lang,
            }
        return statements
