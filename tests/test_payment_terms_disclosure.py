import base64
import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import REPORT_LOGGERS, CreditCollectionCommon, load_french
from .test_letters import poppler

YEAR = {"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}


@tagged("post_install", "-at_install")
@freeze_time("2027-01-15")
class TestPaymentTermsDisclosure(CreditCollectionCommon, HttpCase):
    """The D. 441-6 tables of a small ledger closed on 31 December 2026
    equal the figures computed by hand (amounts with 20 % VAT).

    Issued (revenue of the year excl. VAT 5,250):
      C1 1,200 due 01/12 (30 days), C2 600 due 15/10 paid 200 (77 days, 400
      due), C3 2,400 due 30/09 paid after the closing (92 days), C4 credit
      note -120 due 20/11 (41 days), C5 360 not due, C6 960 disputed (B), C7
      480 paid 45 days late in August, C8 300 paid on time, C9 120 due 31/10
      (61 days) whose dispute was resolved before the closing.
    Received (purchases excl. VAT 3,300):
      V1 1,200 due 15/12 (16 days), V2 2,400 due 31/08 paid 1,000 (122 days,
      1,400 due), V3 refund -240 due 01/12 (30 days), V4 600 paid 10 days
      late in June."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Other Co")["company"]
        cls.sale_tax = cls._tax("sale")
        cls.purchase_tax = cls._tax("purchase")
        cls.client = cls._customer("Client SA")
        cls.supplier = cls._customer("Supplier SARL")
        cls.other_client = cls._customer("Other Client", company=cls.company_2)
        with freeze_time("2027-01-15"):
            cls._ledger()

    @classmethod
    def _tax(cls, use):
        return cls.env["account.tax"].create(
            {
                "name": f"VAT 20 % {use}",
                "amount": 20,
                "type_tax_use": use,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _invoice(cls, move_type, untaxed, invoice_date, due, company=None):
        company = company or cls.company
        supplier = move_type.startswith("in_")
        tax = cls.purchase_tax if supplier else cls.sale_tax
        partner = cls.supplier if supplier else cls.client
        if company != cls.company:
            partner, tax = cls.other_client, tax.browse()
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": untaxed,
                                "tax_ids": [
                                    Command.set(
                                        tax.ids if company == cls.company else []
                                    )
                                ],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _ledger(cls):
        inv = cls._invoice
        cls.c1 = inv("out_invoice", 1000, "2026-11-01", "2026-12-01")
        cls.c2 = inv("out_invoice", 500, "2026-09-01", "2026-10-15")
        cls.pay(cls.c2, 200, "2026-11-10")
        cls.c3 = inv("out_invoice", 2000, "2026-08-01", "2026-09-30")
        cls.pay(cls.c3, None, "2027-01-10")
        cls.c4 = inv("out_refund", 100, "2026-10-01", "2026-11-20")
        cls.c5 = inv("out_invoice", 300, "2026-12-10", "2027-01-09")
        cls.c6 = inv("out_invoice", 800, "2026-10-01", "2026-11-15")
        cls.env["credit.dispute"].create({"move_id": cls.c6.id, "reason": "quality"})
        cls.c7 = inv("out_invoice", 400, "2026-06-01", "2026-07-01")
        cls.pay(cls.c7, None, "2026-08-15")
        cls.c8 = inv("out_invoice", 250, "2026-03-01", "2026-03-31")
        cls.pay(cls.c8, None, "2026-03-20")
        cls.c9 = inv("out_invoice", 100, "2026-10-01", "2026-10-31")
        with freeze_time("2026-12-15"):
            cls.env["credit.dispute"].create(
                {"move_id": cls.c9.id, "reason": "price"}
            ).action_resolve()
        cls.v1 = inv("in_invoice", 1000, "2026-11-15", "2026-12-15")
        cls.v2 = inv("in_invoice", 2000, "2026-07-01", "2026-08-31")
        cls.pay(cls.v2, 1000, "2026-10-01")
        cls.v3 = inv("in_refund", 200, "2026-12-01", "2026-12-01")
        cls.v4 = inv("in_invoice", 500, "2026-05-01", "2026-05-31")
        cls.pay(cls.v4, None, "2026-06-10")
        # Another company's overdue invoice: never in this company's table.
        cls.other = inv(
            "out_invoice", 5000, "2026-10-01", "2026-10-31", company=cls.company_2
        )

    def _wizard(self, **values):
        return self.env["credit.payment.terms.disclosure"].create(
            {"company_id": self.company.id, **YEAR, **values}
        )

    def _cells(self, figures, side, key, names=("count", "amount", "percent")):
        cell = figures[side]["cells"][key]
        return tuple(cell[name] for name in names)

    def test_unpaid_at_closing(self):
        """Table I: residual at the closing date (payments after it do not
        count), the credit note negative, the disputed invoice in (B), the
        percentages of the year's revenue and purchases excl. VAT."""
        wizard = self._wizard()
        self.assertEqual(wizard.date_closing, date(2026, 12, 31))
        figures = wizard._credit_figures()
        issued = {
            key: self._cells(figures, "issued", key)
            for key in ("0", "1_30", "31_60", "61_90", "91_plus", "total")
        }
        self.assertEqual(
            issued,
            {
                "0": (1, 360.0, 6.86),
                "1_30": (1, 1200.0, 22.86),
                "31_60": (1, -120.0, -2.29),
                "61_90": (2, 520.0, 9.9),
                "91_plus": (1, 2400.0, 45.71),
                "total": (5, 4000.0, 76.19),
            },
        )
        self.assertEqual(figures["issued"]["excluded"], {"count": 1, "amount": 960.0})
        self.assertEqual(figures["issued"]["base_untaxed"], 5250.0)
        received = {
            key: self._cells(figures, "received", key)
            for key in ("0", "1_30", "31_60", "61_90", "91_plus", "total")
        }
        self.assertEqual(
            received,
            {
                "0": (0, 0.0, 0.0),
                "1_30": (2, 960.0, 29.09),
                "31_60": (0, 0.0, 0.0),
                "61_90": (0, 0.0, 0.0),
                "91_plus": (1, 1400.0, 42.42),
                "total": (3, 2360.0, 71.52),
            },
        )
        self.assertEqual(figures["received"]["base_untaxed"], 3300.0)
        self.assertEqual(figures["received"]["excluded"], {"count": 0, "amount": 0.0})

    def test_legal_terms(self):
        """Legal terms count the delay from the invoice date plus 30 days."""
        figures = self._wizard(reference_terms="legal")._credit_figures()
        # C2 (01/09 + 30 days: 91 days late) joins C3; C4 and C9 (01/10 + 30
        # days: 61 days) cancel out.
        self.assertEqual(self._cells(figures, "issued", "91_plus")[:2], (2, 2800.0))
        self.assertEqual(self._cells(figures, "issued", "61_90")[:2], (2, 0.0))
        self.assertEqual(self._cells(figures, "issued", "total")[:2], (5, 4000.0))
        with self.assertRaises(ValidationError):
            self._wizard(reference_terms="legal", legal_term_days=75)

    def test_paid_late_during_the_year(self):
        """Table II: invoices settled in the year, by the days between their
        due date and their settlement; percentages of the number and of the
        amount incl. VAT of the year's invoices (C3, paid in 2027, is not in)."""
        figures = self._wizard(presentation="year")._credit_figures()
        names = ("count", "amount", "count_percent", "percent")
        self.assertEqual(self._cells(figures, "issued", "0", names[:2]), (1, 300.0))
        self.assertEqual(
            self._cells(figures, "issued", "31_60", names), (1, 480.0, 12.5, 7.48)
        )
        self.assertEqual(figures["issued"]["cells"]["total"]["amount"], 480.0)
        self.assertEqual(
            (figures["issued"]["base_count"], figures["issued"]["base_total"]),
            (8, 6420.0),
        )
        self.assertEqual(
            self._cells(figures, "received", "1_30", names), (1, 600.0, 33.33, 14.29)
        )
        self.assertEqual(figures["received"]["cells"]["total"]["count"], 1)

    def test_payment_without_journal_entry(self):
        """A payment without journal entry (its method has no outstanding
        account) settles the invoice on its date though the receivable line
        stays open: not unpaid at the closing, paid 20 days late in II."""
        bank = self.company_data["default_journal_bank"]
        bank.inbound_payment_method_line_ids.payment_account_id = False
        invoice = self._invoice("out_invoice", 100, "2026-11-01", "2026-11-30")
        # 18.0: no journal entry, the receivable line stays open; 19.0
        # Community gives the payment an entry anyway: the same figures.
        self.pay(invoice, None, "2026-12-20")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        closing = self._wizard()._credit_figures()["issued"]["cells"]
        self.assertEqual((closing["total"]["count"], closing["1_30"]["count"]), (5, 1))
        year = self._wizard(presentation="year")._credit_figures()["issued"]["cells"]
        self.assertEqual((year["1_30"]["count"], year["1_30"]["amount"]), (1, 120.0))
        # Before the payment's date, the invoice was unpaid: 1 to 30 days on
        # 19 December with C1 (18 days) and C4 (29 days).
        before = self._wizard(date_closing=date(2026, 12, 19))._credit_figures()
        cell = before["issued"]["cells"]["1_30"]
        self.assertEqual((cell["count"], cell["amount"]), (3, 1200.0))

    def test_drill_down_reproduces_the_cells(self):
        """The invoices behind each cell, with the amount each counts for."""
        wizard = self._wizard()
        action = wizard.action_open()
        rows = self.env[action["res_model"]].search(action["domain"])
        cell = rows.filtered(
            lambda r: r.side == "issued" and r.bucket == "61_90" and not r.excluded
        )
        self.assertEqual(cell.move_id, self.c2 | self.c9)
        self.assertEqual(sorted(cell.mapped("amount")), [120.0, 400.0])
        self.assertEqual(
            cell.filtered(lambda r: r.move_id == self.c2).amount_total, 600
        )
        self.assertEqual(rows.filtered("excluded").move_id, self.c6)
        self.assertNotIn(self.other, rows.move_id)
        self.assertNotIn(self.c7, rows.move_id, "paid before the closing")
        # Each pivot cell is the sum of its rows: the figures again.
        figures = wizard._credit_figures()
        for side in ("issued", "received"):
            late = rows.filtered(
                lambda r, s=side: r.side == s and r.days_late > 0 and not r.excluded
            )
            self.assertEqual(
                (len(late), sum(late.mapped("amount"))),
                (
                    figures[side]["cells"]["total"]["count"],
                    figures[side]["cells"]["total"]["amount"],
                ),
            )

    def test_bounded_queries(self):
        """The figures take the same number of queries whatever the ledger."""
        wizard = self._wizard()
        wizard._credit_figures()
        before = self.env.cr.sql_log_count
        wizard._credit_figures()
        first = self.env.cr.sql_log_count - before
        for day in ("2026-10-05", "2026-11-05", "2026-12-05"):
            self._invoice("out_invoice", 10, day, day)
            self._invoice("in_invoice", 10, day, day)
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        figures = wizard._credit_figures()
        self.assertEqual(self.env.cr.sql_log_count - before, first)
        self.assertEqual(figures["issued"]["cells"]["total"]["count"], 8)

    def test_company_isolation(self):
        """A user of one company cannot compute another's table; the other
        company's table holds its own invoice only."""
        user = new_test_user(
            self.env,
            "disclosure_accountant",
            groups="account.group_account_readonly,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self._wizard(company_id=self.company_2.id).with_user(user)._credit_figures()
        other = self._wizard(company_id=self.company_2.id).with_company(self.company_2)
        figures = other._credit_figures()
        self.assertEqual(figures["issued"]["cells"]["total"]["count"], 1)
        self.assertEqual(figures["issued"]["cells"]["61_90"]["amount"], 5000.0)
        self.assertEqual(figures["received"]["cells"]["total"]["count"], 0)
        # Accountants (read-only accounting) compute it; a salesperson may not.
        self.assertTrue(
            self._wizard().with_user(user).with_company(self.company)._credit_figures()
        )
        seller = new_test_user(
            self.env, "disclosure_seller", groups="sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            self.env["credit.payment.terms.disclosure"].with_user(seller).create(YEAR)

    def test_xlsx(self):
        """The workbook: the official table, and one row per invoice whose
        amounts sum to the table's."""
        wizard = self._wizard()
        wizard.action_export_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))
        table, invoices = book.worksheets
        values = [cell for row in table.iter_rows(values_only=True) for cell in row]
        self.assertIn(4000.0, values)
        self.assertIn(960.0, values)
        self.assertIn(76.19, values)
        rows = list(invoices.iter_rows(min_row=2, values_only=True))
        # C1 to C6, C9 issued (C7, C8 paid before the closing), V1 to V3.
        self.assertEqual(len(rows), 10)
        issued_late = [
            row
            for row in rows
            if row[2] == "Invoices issued" and row[6] > 0 and not row[8]
        ]
        self.assertEqual(sum(row[10] for row in issued_late), 4000.0)

    def _pdf_text(self, wizard):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "credit_collection.action_report_credit_payment_terms_disclosure",
                wizard.ids,
            )
        )
        self.assertEqual(report_type, "pdf")
        return " ".join(poppler("pdftotext", pdf).split())

    @mute_logger(*REPORT_LOGGERS)
    def test_pdf_in_french(self):
        """The PDF is the official French table, in the company's language."""
        load_french(self.env)
        self.company.partner_id.lang = "fr_FR"
        text = self._pdf_text(self._wizard())
        for expected in (
            "Article D. 441 I.-1° : factures reçues non réglées",
            "Article D. 441 I.-2° : factures émises non réglées",
            "0 jour (indicatif)",
            "91 jours et plus",
            "Total (1 jour et plus)",
            "Nombre de factures concernées",
            "Pourcentage du chiffre d'affaires de l'exercice (HT)",
            "(B) Factures exclues du (A)",
            "(C) Délais de paiement de référence utilisés",
            "☒ Délais contractuels : l'échéance de chaque facture ☐ Délais légaux",
            "4 000,00",
            "76,19 %",
            "960,00",
            "Exercice du 01/01/2026 au 31/12/2026, date de clôture 31/12/2026",
            "Exclues (B) : factures faisant l'objet d'un litige",
        ):
            self.assertIn(expected, text)
        for english in ("Invoices", "Fiscal", "Contractual", "taxes included", "days"):
            self.assertNotIn(english, text)
        text = self._pdf_text(
            self._wizard(presentation="year", reference_terms="legal")
        )
        for expected in (
            "Article D. 441 II : factures émises ayant connu un retard de paiement",
            "Nombre cumulé de factures concernées",
            "Pourcentage du nombre total des factures reçues / émises dans l'année",
            "☐ Délais contractuels : ☒ Délais légaux : 30 jours à compter de la date",
        ):
            self.assertIn(expected, text)
