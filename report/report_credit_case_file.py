from odoo import api, models
from odoo.exceptions import UserError


class ReportCreditCaseFile(models.AbstractModel):
    """Summary of a collection case file. Its values come from the case
    file wizard (``data['case_files']``, see
    ``credit.case.file._credit_case_data``): the summary states exactly what
    the CSV and the ZIP hold."""

    _name = "report.credit_collection.report_credit_case_file"
    _description = "Collection Case File Summary"

    @api.model
    def _get_report_values(self, docids, data=None):
        cases = (data or {}).get("case_files")
        if not cases:
            raise UserError(
                self.env._(
                    "The case file summary is printed by the Collection Case File "
                    "action of the customer."
                )
            )
        cases = {int(partner_id): case for partner_id, case in cases.items()}
        partners = self.env["res.partner"].browse(docids)
        codes = {
            row["currency"] for case in cases.values() for row in case["invoices"]
        } | {row["currency"] for case in cases.values() for row in case["reminders"]}
        currencies = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        )
        company_id = next(iter(cases.values()))["company_id"]
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "cases": cases,
            "currencies": {currency.name: currency for currency in currencies},
            "company": self.env["res.company"].browse(company_id),
        }
