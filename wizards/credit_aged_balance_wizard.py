import base64
import io

import xlsxwriter
from xlsxwriter.utility import xl_range

from odoo import api, fields, models

from ..models.sql_insert import insert_select
from ..tools.aging import bucket_fields


def xlsx_money_format(currency):
    """Excel number format of ``currency``: two decimals (or the
    currency's), its symbol before or after as the currency says."""
    decimals = "0." + "0" * currency.decimal_places if currency.decimal_places else "0"
    symbol = currency.symbol.replace('"', "")
    if currency.position == "before":
        return f'"{symbol}" #,##{decimals}'
    return f'#,##{decimals} "{symbol}"'


def xlsx_download(wizard, content, filename):
    """Store a workbook on the wizard (its ``xlsx_file`` and
    ``xlsx_filename``) and return the action that downloads it at once."""
    wizard.write({"xlsx_file": base64.b64encode(content), "xlsx_filename": filename})
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{wizard._name}/{wizard.id}/xlsx_file/"
        f"{filename}?download=true",
        "target": "self",
    }


class CreditAgedBalanceWizard(models.TransientModel):
    """Asks for the date and filters of an aged balance, stores its rows
    per customer and opens them as a list and pivot, or exports them to
    XLSX or PDF."""

    _name = "credit.aged.balance.wizard"
    _description = "Aged Balance"

    date = fields.Date(string="As of", required=True, default=fields.Date.context_today)
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
    )
    collector_ids = fields.Many2many(
        "res.users",
        "credit_aged_balance_wizard_collector_rel",
        string="Collectors",
        domain="[('share', '=', False)]",
    )
    salesperson_ids = fields.Many2many(
        "res.users",
        "credit_aged_balance_wizard_salesperson_rel",
        string="Salespersons",
        domain="[('share', '=', False)]",
    )
    grade_ids = fields.Many2many("credit.risk.grade", string="Risk Grades")
    scenario_ids = fields.Many2many("credit.dunning.scenario", string="Scenarios")
    line_ids = fields.One2many(
        "credit.aged.balance.line", "wizard_id", string="Customers", readonly=True
    )
    xlsx_file = fields.Binary(string="XLSX File", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.depends("date")
    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = self.env._(
                "Aged balance on %(date)s",
                date=fields.Date.to_string(wizard.date) if wizard.date else "",
            )

    def _credit_filters(self):
        self.ensure_one()
        return {
            "collector_ids": self.collector_ids.ids,
            "salesperson_ids": self.salesperson_ids.ids,
            "grade_ids": self.grade_ids.ids,
            "scenario_ids": self.scenario_ids.ids,
        }

    def _credit_compute_lines(self):
        """(Re)fill the rows of the wizard with one INSERT ... SELECT."""
        self.ensure_one()
        service = self.env["credit.aged.balance"]
        # Read the ids as stored (record rules would hide a company the user
        # may not see): the check then refuses it.
        companies = self.env["res.company"].browse(self.sudo().company_ids.ids)
        service._credit_check_companies(companies)
        service._credit_flush()
        self.line_ids.unlink()
        amounts = [name for name, _label in bucket_fields()]
        amounts += ["amount_overdue", "amount_total"]
        columns = ["company_id", "partner_id", "collector_id", "salesperson_id"]
        columns += ["grade_id"] + amounts
        insert_select(
            self.env["credit.aged.balance.line"],
            columns,
            service._credit_aged_partner_query(
                self.date, companies, self._credit_filters()
            ),
            wizard_id=self.id,
        )
        self.invalidate_recordset(["line_ids"])

    def action_open(self):
        """The aged balance per customer, as a list and a pivot."""
        self.ensure_one()
        self._credit_compute_lines()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "credit.aged.balance.line",
            "view_mode": "list,pivot,graph",
            "domain": [("wizard_id", "=", self.id)],
            "context": {"create": False, "delete": False, "edit": False},
        }

    def action_print_pdf(self):
        self.ensure_one()
        self._credit_compute_lines()
        return self.env.ref(
            "credit_collection.action_report_credit_aged_balance"
        ).report_action(self)

    def action_export_xlsx(self):
        """The aged balance as a spreadsheet, downloaded at once."""
        self.ensure_one()
        self._credit_compute_lines()
        return xlsx_download(
            self,
            self._credit_xlsx_content(),
            self.env._(
                "aged_balance_%(date)s.xlsx", date=fields.Date.to_string(self.date)
            ),
        )

    def _credit_headers(self):
        fields_info = self.env["credit.aged.balance.line"]._fields
        names = ["company_id", "partner_id", "collector_id", "salesperson_id"]
        names += ["grade_id"]
        names += [name for name, _label in bucket_fields()]
        names += ["amount_overdue", "amount_total"]
        return [
            (name, fields_info[name]._description_string(self.env)) for name in names
        ]

    def _credit_xlsx_content(self):
        """The aged balance as a workbook an accountant can work with:
        amounts as numbers in their company's currency format, one block per
        company closed by its total row (SUM formulas), frozen headers."""
        self.ensure_one()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Aged Balance"))
        bold = workbook.add_format({"bold": True})
        header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        sheet.write(0, 0, self.display_name, bold)
        headers = self._credit_headers()
        for col, (_name, label) in enumerate(headers):
            sheet.write(2, col, label, header)
        sheet.freeze_panes(3, 2)
        row = 3
        for group in self._credit_totals_by_company():
            money, money_total = (
                workbook.add_format(
                    {"num_format": xlsx_money_format(group["company"].currency_id)}
                    | extra
                )
                for extra in ({}, {"bold": True, "top": 1})
            )
            first_row = row
            for line in group["lines"]:
                for col, (name, _label) in enumerate(headers):
                    value = line[name]
                    if name.startswith("amount_"):
                        sheet.write_number(row, col, value, money)
                    else:
                        sheet.write(row, col, value.display_name or "")
                row += 1
            sheet.write(
                row,
                0,
                self.env._("Total %(company)s", company=group["company"].display_name),
                bold,
            )
            for col, (name, _label) in enumerate(headers):
                if name.startswith("amount_"):
                    cells = xl_range(first_row, col, row - 1, col)
                    sheet.write_formula(
                        row, col, f"=SUM({cells})", money_total, group["totals"][name]
                    )
            row += 2
        sheet.set_column(0, 4, 24)
        sheet.set_column(5, len(headers) - 1, 14)
        workbook.close()
        return output.getvalue()

    def _credit_totals_by_company(self):
        """Per company: its currency and the sum of each column (for the PDF)."""
        self.ensure_one()
        amount_names = [name for name, _ in self._credit_headers() if "amount" in name]
        totals = []
        for company in self.line_ids.company_id:
            lines = self.line_ids.filtered(lambda line, c=company: line.company_id == c)
            totals.append(
                {
                    "company": company,
                    "lines": lines,
                    "totals": {
                        name: company.currency_id.round(sum(lines.mapped(name)))
                        for name in amount_names
                    },
                }
            )
        return totals
