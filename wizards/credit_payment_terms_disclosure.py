import io
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

from ..models.sql_insert import insert_select
from ..models.sql_reconciliation import last_reconciliation_dates
from ..tools.siren import partner_numbers
from .credit_aged_balance_wizard import xlsx_download, xlsx_money_format

# The delay buckets of the official tables (arrêté of 20 March 2017, annex
# 4-1 of the Code de commerce): (key, first day late, last day late).
# "0" is the indicative column: invoices not due yet (I) or paid on time (II).
DISCLOSURE_BUCKETS = (
    ("0", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91_plus", 91, None),
)
LATE_BUCKETS = tuple(key for key, _first, _last in DISCLOSURE_BUCKETS[1:])
# Invoices received are the vendor bills (payables), invoices issued the
# customer invoices (receivables); refunds count negative.
SIDES = {
    "received": {
        "move_types": ("in_invoice", "in_refund"),
        "account_type": "liability_payable",
    },
    "issued": {
        "move_types": ("out_invoice", "out_refund"),
        "account_type": "asset_receivable",
    },
}
INVOICE_TYPES = ("in_invoice", "out_invoice")
# Settled by payments (a reversed invoice was cancelled, not paid).
PAID_STATES = ("paid", "in_payment")
# Days of the legal term (Code de commerce L. 441-10 I) when no term is agreed.
LEGAL_TERM_DAYS = 30


class CreditPaymentTermsDisclosure(models.TransientModel):
    """The payment-terms disclosure of the management report (Code de
    commerce L. 441-14, D. 441-6): the invoices received and issued by
    delay bucket, in the official tables, for one company and fiscal year.

    Presentation I counts the invoices unpaid at the closing date, with the
    amount still due TTC at that date (the residual of their payable or
    receivable lines with the reconciliations dated after the closing
    undone, as the aged balance computes it): the table then agrees with the
    trade payables and receivables of the balance sheet, a partly paid
    invoice counting for what it still owed. Presentation II (the
    alternative of D. 441-6 II) counts the invoices settled during the year,
    with their total TTC, by the days between their due date and their last
    reconciliation. Disputed invoices (a dispute not cancelled, still open
    on the closing date, or during the year for II) are in (B), not in (A).
    Both are computed in SQL in a fixed number of queries."""

    _name = "credit.payment.terms.disclosure"
    _description = "Payment Terms Disclosure (D. 441-6)"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="Fiscal Year Start",
        required=True,
        default=lambda self: self._default_year()[0],
    )
    date_to = fields.Date(
        string="Fiscal Year End",
        required=True,
        default=lambda self: self._default_year()[1],
    )
    date_closing = fields.Date(
        string="Closing Date",
        required=True,
        compute="_compute_date_closing",
        store=True,
        readonly=False,
        precompute=True,
    )
    presentation = fields.Selection(
        [
            ("closing", "I. Unpaid at the closing date, term passed"),
            ("year", "II. Paid late during the year"),
        ],
        required=True,
        default="closing",
    )
    reference_terms = fields.Selection(
        [("contractual", "Contractual terms"), ("legal", "Legal terms")],
        string="Reference Payment Terms",
        required=True,
        default="contractual",
        help="Contractual: the due date of each invoice (its payment terms). "
        "Legal: the invoice date plus the legal term.",
    )
    legal_term_days = fields.Integer(
        string="Legal Term (days)",
        default=LEGAL_TERM_DAYS,
        help="30 days by default (article L. 441-10 I of the Code de commerce), "
        "at most 60 days from the invoice date.",
    )
    invoice_ids = fields.One2many(
        "credit.payment.terms.disclosure.invoice",
        "wizard_id",
        string="Invoices",
        readonly=True,
    )
    xlsx_file = fields.Binary(string="XLSX File", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    def _default_year(self):
        """The last fiscal year closed before today."""
        today = fields.Date.context_today(self)
        current = self.env.company.compute_fiscalyear_dates(today)
        last = self.env.company.compute_fiscalyear_dates(
            current["date_from"] - timedelta(days=1)
        )
        return last["date_from"], last["date_to"]

    @api.depends("date_to")
    def _compute_date_closing(self):
        for wizard in self:
            wizard.date_closing = wizard.date_to

    @api.depends("company_id", "date_closing")
    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = self.env._(
                "Payment terms disclosure on %(date)s",
                date=fields.Date.to_string(wizard.date_closing) or "",
            )

    @api.constrains("date_from", "date_to", "date_closing", "legal_term_days")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._("The fiscal year must start before it ends.")
                )
            if wizard.date_closing < wizard.date_from:
                raise ValidationError(
                    self.env._("The closing date must be in or after the fiscal year.")
                )
            if not 0 < wizard.legal_term_days <= 60:
                raise ValidationError(
                    self.env._(
                        "The legal term is between 1 and 60 days from the invoice date."
                    )
                )

    # The figures -------------------------------------------------------

    def _credit_company(self):
        """The company, checked as the aged balance checks it: raw SQL
        bypasses the record rules."""
        self.ensure_one()
        company = self.env["res.company"].browse(self.sudo().company_id.id)
        self.env["credit.aged.balance"]._credit_check_companies(company)
        return company

    def _credit_due_date(self):
        """The due date the delays are counted from, as the reference terms say."""
        if self.reference_terms == "legal":
            return SQL(
                "(COALESCE(move.invoice_date, move.date) + %s)", self.legal_term_days
            )
        return SQL("COALESCE(move.invoice_date_due, move.invoice_date, move.date)")

    def _credit_invoices_query(self):
        """One row per invoice of the table: move, company, partner, side,
        due date, date settled (II), days late, bucket, total TTC, amount
        counted TTC and whether it is excluded (B), signed for the company
        (refunds negative)."""
        self.ensure_one()
        company = self._credit_company()
        received = SIDES["received"]["move_types"]
        sign = SQL("CASE WHEN move.move_type IN %s THEN -1 ELSE 1 END", received)
        due = self._credit_due_date()
        if self.presentation == "closing":
            open_after = self.date_closing
            source, date_paid, amount, condition = self._credit_unpaid_source(company)
            late = SQL("%s - %s", self.date_closing, due)
        else:
            open_after = self.date_from - timedelta(days=1)
            source, date_paid, amount, condition = self._credit_settled_source(company)
            late = SQL("%s - %s", date_paid, due)
        buckets = SQL(" ").join(
            SQL(
                "WHEN %s THEN %s",
                SQL(" AND ").join(
                    [SQL("%s >= %s", late, first)] * (first is not None)
                    + [SQL("%s <= %s", late, last)] * (last is not None)
                ),
                key,
            )
            for key, first, last in DISCLOSURE_BUCKETS
        )
        return SQL(
            """
            SELECT move.id AS move_id, move.company_id,
                   move.commercial_partner_id AS partner_id,
                   CASE WHEN move.move_type IN %(received)s
                        THEN 'received' ELSE 'issued' END AS side,
                   %(due)s AS date_due, %(date_paid)s AS date_paid,
                   %(late)s AS days_late,
                   CASE %(buckets)s END AS bucket,
                   %(sign)s * move.amount_total_signed AS amount_total,
                   %(sign)s * %(amount)s AS amount,
                   EXISTS (
                       SELECT 1 FROM credit_dispute dispute
                        WHERE dispute.move_id = move.id
                          AND dispute.state != 'cancelled'
                          AND (dispute.date_closed IS NULL
                               OR dispute.date_closed > %(open_after)s)
                   ) AS excluded
              FROM %(source)s
              JOIN account_move move ON move.id = source.move_id
             WHERE %(condition)s AND move.company_id = %(company)s
            """,
            received=received,
            due=due,
            date_paid=date_paid,
            late=late,
            buckets=buckets,
            sign=sign,
            amount=amount,
            open_after=open_after,
            source=source,
            condition=condition,
            company=company.id,
        )

    def _credit_accounts(self):
        return tuple(
            self.env["account.account"]
            .sudo()
            ._search(
                [("account_type", "in", [s["account_type"] for s in SIDES.values()])]
            )
        ) or (0,)

    def _credit_entryless_payments(self, company):
        """Rows (move_id, date) of the payments without journal entry (Odoo
        18: a payment method without outstanding account) of the company's
        invoices: they settle an invoice (its payment state) while its
        payable or receivable line stays open until the bank reconciliation."""
        return SQL(
            """SELECT rel.invoice_id AS move_id, pay.date
                 FROM account_move__account_payment rel
                 JOIN account_payment pay ON pay.id = rel.payment_id
                WHERE pay.move_id IS NULL AND pay.state IN ('in_process', 'paid')
                  AND pay.company_id = %s""",
            company.id,
        )

    def _credit_unpaid_source(self, company):
        """I: the invoices with an amount due on the closing date, summed
        over their payable or receivable lines (installments) by the aged
        balance's as-of-date query; an invoice settled by payments without
        journal entry dated by the closing is paid."""
        open_lines = self.env["credit.aged.balance"]._credit_aged_lines_query(
            self.date_closing,
            company,
            account_types=tuple(s["account_type"] for s in SIDES.values()),
        )
        source = SQL(
            """(SELECT move_id, SUM(residual) AS residual
                  FROM (%s) AS open_lines
              GROUP BY move_id
                HAVING SUM(residual) <> 0) AS source""",
            open_lines,
        )
        types = SIDES["received"]["move_types"] + SIDES["issued"]["move_types"]
        condition = SQL(
            """move.move_type IN %(types)s
               AND NOT (move.payment_state IN %(paid)s AND EXISTS (
                   SELECT 1 FROM (%(entryless)s) AS entryless
                    WHERE entryless.move_id = move.id
                      AND entryless.date <= %(closing)s))""",
            types=types,
            paid=PAID_STATES,
            entryless=self._credit_entryless_payments(company),
            closing=self.date_closing,
        )
        return source, SQL("NULL::date"), SQL("source.residual"), condition

    def _credit_settled_source(self, company):
        """II: the invoices (refunds are not paid late) fully settled during
        the year: paid now, the last of their reconciliations and payments
        without journal entry dated in the year."""
        source = SQL(
            """(SELECT move_id, MAX(date_paid) AS date_paid
                  FROM (
                        SELECT aml.move_id, reconciled.date_paid
                          FROM (%(reconciled)s) AS reconciled
                          JOIN account_move_line aml ON aml.id = reconciled.line_id
                         WHERE aml.account_id IN %(accounts)s
                     UNION ALL
                        SELECT move_id, date
                          FROM (%(entryless)s) AS entryless
                         WHERE date >= %(date_from)s
                       ) AS settlements
              GROUP BY move_id
                HAVING MAX(date_paid) <= %(date_to)s) AS source""",
            reconciled=last_reconciliation_dates(company.ids, self.date_from),
            date_from=self.date_from,
            date_to=self.date_to,
            accounts=self._credit_accounts(),
            entryless=self._credit_entryless_payments(company),
        )
        condition = SQL(
            "move.move_type IN %s AND move.payment_state IN %s",
            INVOICE_TYPES,
            PAID_STATES,
        )
        return (
            source,
            SQL("source.date_paid"),
            SQL("move.amount_total_signed"),
            condition,
        )

    def _credit_flush(self):
        self.env["credit.aged.balance"]._credit_flush()
        self.env["account.move"].flush_model(
            ["amount_total_signed", "amount_untaxed_signed", "commercial_partner_id"]
            + ["company_id", "date", "invoice_date", "invoice_date_due", "move_type"]
            + ["payment_state", "state"]
        )
        self.env["account.move"].flush_model(["matched_payment_ids"])
        self.env["account.payment"].flush_model(["company_id", "date", "move_id"])
        self.env["account.payment"].flush_model(["state"])
        self.env["credit.dispute"].flush_model(["date_closed", "move_id", "state"])

    def _credit_figures(self):
        """The two tables: per side, each bucket's count and amount, the
        total of 1 day and more, the excluded invoices (B) and the
        percentages, in two queries whatever the number of invoices."""
        self.ensure_one()
        company = self._credit_company()
        self._credit_flush()
        currency = company.currency_id
        rows = self.env.execute_query(
            SQL(
                """SELECT side, bucket, excluded, COUNT(*), COALESCE(SUM(amount), 0)
                     FROM (%s) AS invoices
                 GROUP BY side, bucket, excluded""",
                self._credit_invoices_query(),
            )
        )
        bases = {side: (0.0, 0, 0.0) for side in SIDES}
        received = SIDES["received"]["move_types"]
        for side, untaxed, count, invoiced in self.env.execute_query(
            SQL(
                """SELECT CASE WHEN move_type IN %(received)s
                               THEN 'received' ELSE 'issued' END,
                          SUM(CASE WHEN move_type IN %(received)s THEN -1 ELSE 1 END
                              * amount_untaxed_signed),
                          COUNT(*) FILTER (WHERE move_type IN %(invoices)s),
                          COALESCE(SUM(CASE WHEN move_type IN %(received)s
                                            THEN -1 ELSE 1 END * amount_total_signed)
                                   FILTER (WHERE move_type IN %(invoices)s), 0)
                     FROM account_move
                    WHERE state = 'posted' AND company_id = %(company)s
                      AND move_type IN %(types)s
                      AND date BETWEEN %(date_from)s AND %(date_to)s
                 GROUP BY 1""",
                received=received,
                invoices=INVOICE_TYPES,
                types=received + SIDES["issued"]["move_types"],
                company=company.id,
                date_from=self.date_from,
                date_to=self.date_to,
            )
        ):
            bases[side] = (float(untaxed or 0), count, float(invoiced))
        figures = {}
        for side in SIDES:
            cells = {
                key: {"count": 0, "amount": 0.0} for key, _f, _l in DISCLOSURE_BUCKETS
            }
            cells["total"] = {"count": 0, "amount": 0.0}
            excluded = {"count": 0, "amount": 0.0}
            for row_side, bucket, is_excluded, count, amount in rows:
                if row_side != side:
                    continue
                targets = [excluded] if is_excluded else [cells[bucket]]
                if not is_excluded and bucket in LATE_BUCKETS:
                    targets.append(cells["total"])
                for cell in targets:
                    cell["count"] += count
                    cell["amount"] = currency.round(cell["amount"] + float(amount))
            untaxed, base_count, base_total = bases[side]
            for cell in cells.values():
                # I: the amount TTC over the year's purchases or revenue HT;
                # II: over the invoices of the year, in number and TTC.
                base = untaxed if self.presentation == "closing" else base_total
                cell["percent"] = (
                    round(cell["amount"] * 100 / base, 2) if base else None
                )
                cell["count_percent"] = (
                    round(cell["count"] * 100 / base_count, 2) if base_count else None
                )
            figures[side] = {
                "cells": cells,
                "excluded": excluded,
                "base_untaxed": currency.round(untaxed),
                "base_count": base_count,
                "base_total": currency.round(base_total),
            }
        return figures

    def _credit_fill_invoices(self):
        """(Re)fill the drill-down rows, one per invoice of the tables, with
        one INSERT ... SELECT of the query the figures sum."""
        self.ensure_one()
        self._credit_flush()
        self.invoice_ids.unlink()
        columns = ["move_id", "company_id", "partner_id", "side", "date_due"]
        columns += ["date_paid", "days_late", "bucket", "amount_total", "amount"]
        columns += ["excluded"]
        insert_select(
            self.env["credit.payment.terms.disclosure.invoice"],
            columns,
            self._credit_invoices_query(),
            wizard_id=self.id,
        )
        self.invalidate_recordset(["invoice_ids"])

    # Actions -----------------------------------------------------------

    def action_open(self):
        """The invoices behind the figures, as a pivot by side and bucket:
        each cell opens its invoices."""
        self.ensure_one()
        self._credit_fill_invoices()
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "credit.payment.terms.disclosure.invoice",
            "view_mode": "pivot,list",
            "views": [(False, "pivot"), (False, "list")],
            "domain": [("wizard_id", "=", self.id)],
            "context": {"create": False, "delete": False, "edit": False},
        }

    def action_print_pdf(self):
        self.ensure_one()
        self._credit_company()
        return self.env.ref(
            "credit_collection.action_report_credit_payment_terms_disclosure"
        ).report_action(self)

    def action_export_xlsx(self):
        """The tables and their invoices as a spreadsheet, downloaded at once."""
        self.ensure_one()
        return xlsx_download(
            self,
            self._credit_xlsx_content(),
            self.env._(
                "payment_terms_disclosure_%(date)s.xlsx",
                date=fields.Date.to_string(self.date_closing),
            ),
        )

    # Layout of the official table (PDF and XLSX) ------------------------

    def _credit_table(self):
        """The official table as rows of cells for the PDF and the XLSX:
        (label, [cell] * 12) or a section title; a cell is a dict with
        ``kind`` (count, amount, percent, text, grey, span) and ``value``."""
        self.ensure_one()
        figures = self._credit_figures()
        closing = self.presentation == "closing"
        keys = [key for key, _f, _l in DISCLOSURE_BUCKETS] + ["total"]

        def side_cells(side, kind, value_of, grey=()):
            cells = figures[side]["cells"]
            return [
                {"kind": "grey"}
                if key in grey
                else {"kind": kind, "value": value_of(cells[key])}
                for key in keys
            ]

        def grey_side():
            return [{"kind": "grey"}] * len(keys)

        def count_row(label):
            grey = LATE_BUCKETS if closing else ()
            return (
                label,
                side_cells("received", "count", lambda c: c["count"], grey)
                + side_cells("issued", "count", lambda c: c["count"], grey),
            )

        def amount_row(label):
            return (
                label,
                side_cells("received", "amount", lambda c: c["amount"])
                + side_cells("issued", "amount", lambda c: c["amount"]),
            )

        def span(kind, value):
            return [{"kind": kind, "value": value, "span": len(keys)}]

        if closing:
            percent_rows = [
                (
                    self.env._(
                        "Percentage of the total purchases of the year (excl. VAT)"
                    ),
                    side_cells("received", "percent", lambda c: c["percent"])
                    + grey_side(),
                ),
                (
                    self.env._("Percentage of the revenue of the year (excl. VAT)"),
                    grey_side()
                    + side_cells("issued", "percent", lambda c: c["percent"]),
                ),
            ]
            rows_a = [
                count_row(self.env._("Number of invoices concerned")),
                amount_row(
                    self.env._("Total amount of the invoices concerned (incl. VAT)")
                ),
                *percent_rows,
            ]
        else:
            rows_a = [
                count_row(self.env._("Cumulative number of invoices concerned")),
                amount_row(
                    self.env._(
                        "Cumulative amount of the invoices concerned (incl. VAT)"
                    )
                ),
                (
                    self.env._(
                        "Percentage of the total number of invoices received / issued"
                        " in the year"
                    ),
                    side_cells("received", "percent", lambda c: c["count_percent"])
                    + side_cells("issued", "percent", lambda c: c["count_percent"]),
                ),
                (
                    self.env._(
                        "Percentage of the total amount of the invoices received /"
                        " issued in the year (incl. VAT)"
                    ),
                    side_cells("received", "percent", lambda c: c["percent"])
                    + side_cells("issued", "percent", lambda c: c["percent"]),
                ),
            ]
        excluded = {side: figures[side]["excluded"] for side in SIDES}
        rows_b = [
            (
                self.env._("Number of excluded invoices"),
                span("count", excluded["received"]["count"])
                + span("count", excluded["issued"]["count"]),
            ),
            (
                self.env._("Total amount of the excluded invoices (incl. VAT)"),
                span("amount", excluded["received"]["amount"])
                + span("amount", excluded["issued"]["amount"]),
            ),
        ]
        terms = self._credit_reference_terms_text()
        rows_c = [
            (
                self.env._("Payment terms used to compute the payment delays"),
                span("text", terms) + span("text", terms),
            )
        ]
        return {
            "figures": figures,
            "sections": [
                (self.env._("(A) Payment delay buckets"), rows_a),
                (
                    self.env._(
                        "(B) Invoices excluded from (A) relating to disputed or "
                        "unrecorded debts and receivables"
                    ),
                    rows_b,
                ),
                (
                    self.env._(
                        "(C) Reference payment terms used (contractual or legal term"
                        " - article L. 441-10 or article L. 441-11 of the Code de"
                        " commerce)"
                    ),
                    rows_c,
                ),
            ],
            "side_titles": self._credit_side_titles(),
            "bucket_titles": self._credit_bucket_titles(),
        }

    def _credit_side_titles(self):
        if self.presentation == "closing":
            return [
                self.env._(
                    "Article D. 441 I.-1°: invoices received, unpaid at the closing "
                    "date of the year, whose term has passed"
                ),
                self.env._(
                    "Article D. 441 I.-2°: invoices issued, unpaid at the closing "
                    "date of the year, whose term has passed"
                ),
            ]
        return [
            self.env._(
                "Article D. 441 II: invoices received paid late during the year"
            ),
            self.env._("Article D. 441 II: invoices issued paid late during the year"),
        ]

    def _credit_bucket_titles(self):
        labels = dict(
            self.env["credit.payment.terms.disclosure.invoice"]
            ._fields["bucket"]
            ._description_selection(self.env)
        )
        return [labels[key] for key, _f, _l in DISCLOSURE_BUCKETS] + [
            self.env._("Total (1 day and more)")
        ]

    def _credit_reference_terms_text(self):
        """(C): which terms the delays are counted from, as the official
        model asks (a box ticked, the terms stated)."""
        if self.reference_terms == "legal":
            marks = ("☐", "☒")
            texts = (
                "",
                self.env._(
                    "%(days)s days from the invoice date (article L. 441-10)",
                    days=self.legal_term_days,
                ),
            )
        else:
            marks = ("☒", "☐")
            texts = (self.env._("the due date of each invoice"), "")
        return self.env._(
            "%(contractual)s Contractual terms: %(contractual_text)s"
            " %(legal)s Legal terms: %(legal_text)s",
            contractual=marks[0],
            contractual_text=texts[0],
            legal=marks[1],
            legal_text=texts[1],
        )

    def _credit_xlsx_content(self):
        """The official table on a first sheet, and every invoice behind it
        on a second, so that each figure can be summed again."""
        self.ensure_one()
        table = self._credit_table()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        currency = self.company_id.currency_id
        bold = workbook.add_format({"bold": True})
        header = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        label = workbook.add_format({"border": 1, "text_wrap": True})
        section = workbook.add_format(
            {"bold": True, "border": 1, "bg_color": "#E8E8E8"}
        )
        formats = {
            "count": workbook.add_format({"border": 1, "num_format": "0"}),
            "amount": workbook.add_format(
                {"border": 1, "num_format": xlsx_money_format(currency)}
            ),
            "percent": workbook.add_format({"border": 1, "num_format": "0.00"}),
            "text": workbook.add_format({"border": 1, "text_wrap": True}),
            "grey": workbook.add_format({"border": 1, "bg_color": "#BFBFBF"}),
        }
        sheet = workbook.add_worksheet(self.env._("D. 441-6"))
        sheet.write(0, 0, self.company_id.name, bold)
        sheet.write(1, 0, self._credit_period())
        width = len(table["bucket_titles"])
        for index, title in enumerate(table["side_titles"]):
            first = 1 + index * width
            sheet.merge_range(2, first, 2, first + width - 1, title, header)
            for offset, bucket in enumerate(table["bucket_titles"]):
                sheet.write(3, first + offset, bucket, header)
        row = 4
        for title, rows in table["sections"]:
            sheet.merge_range(row, 0, row, 2 * width, title, section)
            row += 1
            for row_label, cells in rows:
                sheet.write(row, 0, row_label, label)
                col = 1
                for cell in cells:
                    cell_format = formats[cell["kind"]]
                    value = cell.get("value")
                    last = col + cell.get("span", 1) - 1
                    if last > col:
                        sheet.merge_range(row, col, row, last, "", cell_format)
                    if value is None:
                        sheet.write_blank(row, col, None, cell_format)
                    elif cell["kind"] == "text":
                        sheet.write_string(row, col, value, cell_format)
                    else:
                        sheet.write_number(row, col, value, cell_format)
                    col = last + 1
                row += 1
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 2 * width, 14)
        self._credit_xlsx_invoices(workbook, formats)
        workbook.close()
        return output.getvalue()

    def _credit_xlsx_invoices(self, workbook, formats):
        """The invoices sheet: one row per invoice, read in one query."""
        labels = self.env["credit.payment.terms.disclosure.invoice"]._fields
        selections = {
            name: dict(labels[name]._description_selection(self.env))
            for name in ("side", "bucket")
        }
        rows = self.env.execute_query(
            SQL(
                """SELECT move.name, partner.name, invoices.side, move.invoice_date,
                          invoices.date_due, invoices.date_paid, invoices.days_late,
                          invoices.bucket, invoices.excluded, invoices.amount_total,
                          invoices.amount
                     FROM (%s) AS invoices
                     JOIN account_move move ON move.id = invoices.move_id
                LEFT JOIN res_partner partner ON partner.id = invoices.partner_id
                 ORDER BY invoices.side, invoices.days_late DESC, move.name""",
                self._credit_invoices_query(),
            )
        )
        sheet = workbook.add_worksheet(self.env._("Invoices"))
        names = ["move_id", "partner_id", "side", "date_invoice", "date_due"]
        names += ["date_paid", "days_late", "bucket", "excluded", "amount_total"]
        names += ["amount"]
        header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        for col, name in enumerate(names):
            sheet.write(0, col, labels[name]._description_string(self.env), header)
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for row, values in enumerate(rows, start=1):
            number, partner, side, invoice_date, due, paid, late, bucket = values[:8]
            excluded, total, amount = values[8:]
            sheet.write(row, 0, number or "")
            sheet.write(row, 1, partner or "")
            sheet.write(row, 2, selections["side"][side])
            for col, day in ((3, invoice_date), (4, due), (5, paid)):
                if day:
                    sheet.write_datetime(row, col, day, date_format)
            sheet.write_number(row, 6, late)
            sheet.write(row, 7, selections["bucket"][bucket])
            sheet.write_boolean(row, 8, excluded)
            sheet.write_number(row, 9, float(total), formats["amount"])
            sheet.write_number(row, 10, float(amount), formats["amount"])
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(len(rows), 1), len(names) - 1)
        sheet.set_column(0, 1, 24)
        sheet.set_column(2, len(names) - 1, 14)

    def _credit_siren(self):
        return partner_numbers(self.company_id)[0]

    def _credit_period(self):
        """The fiscal year, closing date and currency of the table."""
        return self.env._(
            "Fiscal year from %(date_from)s to %(date_to)s, closing date "
            "%(closing)s; amounts in %(currency)s.",
            date_from=format_date(self.env, self.date_from),
            date_to=format_date(self.env, self.date_to),
            closing=format_date(self.env, self.date_closing),
            currency=self.company_id.currency_id.name,
        )
