from odoo import api, fields, models


class ReportCreditStatement(models.AbstractModel):
    """Statement of account of a customer in the current company: the open
    invoices as of today, so the customer can check them against their own
    books and pay."""

    _name = "report.credit_collection.report_credit_statement"
    _description = "Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        company = self.env.company
        today = fields.Date.context_today(self)
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        statements = {}
        for partner in partners:
            invoices = (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("commercial_partner_id", "=", partner.id),
                        ("company_id", "=", company.id),
                        ("move_type", "in", ("out_invoice", "out_receipt")),
                        ("state", "=", "posted"),
                        ("payment_state", "in", ("not_paid", "partial")),
                    ],
                    order="invoice_date_due, id",
                )
            )
            currency = company.currency_id
            overdue = invoices.filtered(
                lambda m: m.invoice_date_due and m.invoice_date_due < today
            )
            statements[partner.id] = {
                "invoices": invoices,
                "days_overdue": {
                    move.id: (today - move.invoice_date_due).days for move in overdue
                },
                "total": currency.round(sum(invoices.mapped("amount_residual_signed"))),
                "overdue": currency.round(
                    sum(overdue.mapped("amount_residual_signed"))
                ),
            }
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": company.currency_id,
            "today": today,
            "statements": statements,
        }
