from odoo import api, models
from odoo.exceptions import UserError


class ReportCreditCaseFile(models.AbstractModel):
    """Summary of a collection case file. Its values are computed from the
    records by ``credit.case.file.builder``, with the parameters (company,
    date, PDFs asked) of the case file wizard named in
    ``data['case_file_id']``: the summary states exactly what the CSV and
    the ZIP hold, and nothing a request could pass in."""

    _name = "report.credit_collection.report_credit_case_file"
    _description = "Collection Case File Summary"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizard_id = (data or {}).get("case_file_id")
        wizard = self.env["credit.case.file"]
        if isinstance(wizard_id, int):
            wizard = wizard.browse(wizard_id).exists()
        if not wizard:
            raise UserError(
                self.env._(
                    "The case file summary is printed by the Collection Case File "
                    "action of the customer."
                )
            )
        builder = self.env["credit.case.file.builder"]
        # The company as stored: one the user may not see is refused.
        builder._credit_check_access(wizard.sudo().company_id)
        wizard.check_access("read")
        company = wizard.company_id
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        cases = {
            partner.id: builder._credit_case_data(
                partner,
                company,
                wizard.date,
                include_invoices=wizard.include_invoices,
                include_notices=wizard.include_notices,
            )
            for partner in partners
        }
        codes = {
            row["currency"] for case in cases.values() for row in case["invoices"]
        } | {row["currency"] for case in cases.values() for row in case["reminders"]}
        currencies = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        )
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "cases": cases,
            "currencies": {currency.name: currency for currency in currencies},
            "company": company,
        }
