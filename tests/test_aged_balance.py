import base64
import io
from datetime import date

import openpyxl
from freezegun import freeze_time
from xlsxwriter.utility import xl_col_to_name

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CreditCollectionCommon

AS_OF = date(2026, 6, 30)


@tagged("post_install", "-at_install")
@freeze_time("2026-07-10")
class TestAgedBalance(CreditCollectionCommon):
    """The aged balance of a crafted ledger, as of a past date, equals the
    figures computed by hand to the cent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR")  # 2 EUR = 1 USD since 2017
        cls.company_2 = cls.setup_other_company(name="Second Co")["company"]
        cls.alpha = cls._customer("Alpha Corp")
        cls.beta = cls._customer("Beta Ltd")
        cls.gamma = cls._customer("Gamma SA", company=cls.company_2)
        with freeze_time("2026-07-10"):
            cls._craft_ledger()

    @classmethod
    def _craft_ledger(cls):
        alpha = cls.alpha
        cls.not_due = cls.make_invoice(alpha, 1000, "2026-06-30")  # age 0
        cls.partial = cls.make_invoice(alpha, 500, "2026-06-10")  # age 20
        cls.pay(cls.partial, 200, "2026-06-15")
        cls.paid_later = cls.make_invoice(alpha, 800, "2026-04-15")  # age 76
        cls.pay(cls.paid_later, 800, "2026-07-05")
        cls.refund = cls.make_invoice(
            alpha, 150, "2026-05-01", move_type="out_refund"
        )  # age 60
        cls.old = cls.make_invoice(alpha, 250, "2026-03-15")  # age 107
        cls.foreign = cls.make_invoice(
            alpha, 600, "2026-02-20", currency=cls.eur
        )  # age 130
        cls.pay(cls.foreign, 200, "2026-03-10")  # 200 EUR = 100 USD
        cls.paid_before = cls.make_invoice(alpha, 400, "2026-05-01")
        cls.pay(cls.paid_before, 400, "2026-05-20")
        cls.future = cls.make_invoice(alpha, 900, "2026-07-20")  # dated 2026-07-01
        cls.advance = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": alpha.id,
                "amount": 100,
                "date": "2026-03-01",  # age 121, unapplied
            }
        )
        cls.advance.action_post()
        cls.beta_invoice = cls.make_invoice(cls.beta, 1200, "2026-05-31")  # age 30
        cls.gamma_invoice = cls.make_invoice(
            cls.gamma, 700, "2026-06-01", company=cls.company_2
        )  # age 29

    def _aged(self, companies=None, as_of=AS_OF, **filters):
        rows = self.env["credit.aged.balance"]._credit_aged_balance(
            as_of, companies or (self.company | self.company_2), filters
        )
        return {row["partner_id"]: row for row in rows}

    def _buckets(self, row):
        keys = ("not_due", "1_30", "31_60", "61_90", "91_120", "120_plus")
        return [row[f"amount_{key}"] for key in keys] + [
            row["amount_overdue"],
            row["amount_total"],
        ]

    def test_crafted_ledger_to_the_cent(self):
        aged = self._aged()
        self.assertEqual(set(aged), {self.alpha.id, self.beta.id, self.gamma.id})
        # not due 1000; 500 - 200; -150 credit note; 800 paid after the date;
        # 250; (600 - 200 EUR) / 2 - 100 unapplied payment.
        self.assertEqual(
            self._buckets(aged[self.alpha.id]),
            [1000.0, 300.0, -150.0, 800.0, 250.0, 100.0, 1300.0, 2300.0],
        )
        self.assertEqual(
            self._buckets(aged[self.beta.id]), [0, 1200.0, 0, 0, 0, 0, 1200.0, 1200.0]
        )
        self.assertEqual(aged[self.gamma.id]["company_id"], self.company_2.id)
        self.assertEqual(
            self._buckets(aged[self.gamma.id]), [0, 700.0, 0, 0, 0, 0, 700.0, 700.0]
        )

    def test_one_company_only(self):
        aged = self._aged(self.company_2)
        self.assertEqual(list(aged), [self.gamma.id])

    def test_as_of_today_equals_the_open_residuals(self):
        """On the current date the aged balance is the ledger's residual."""
        aged = self._aged(as_of=date(2026, 7, 10))
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", self.alpha.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        self.assertAlmostEqual(
            aged[self.alpha.id]["amount_total"],
            sum(lines.mapped("amount_residual")),
            places=2,
        )
        # The invoice dated 2026-07-01 is now in, the one paid on 07-05 out.
        self.assertEqual(aged[self.alpha.id]["amount_total"], 2300.0 - 800 + 900)

    def test_filters(self):
        other_scenario = self.scenario.copy({"name": "Other scenario"})
        alpha = self.alpha.with_company(self.company)
        alpha.credit_collector_id = self.collector
        alpha.credit_scenario_id = other_scenario
        self.beta.user_id = self.env.user
        self.assertEqual(
            list(self._aged(collector_ids=self.collector.ids)), [self.alpha.id]
        )
        self.assertEqual(
            list(self._aged(scenario_ids=other_scenario.ids)), [self.alpha.id]
        )
        # Beta has no scenario of its own: the company default applies.
        self.assertEqual(
            list(self._aged(self.company, scenario_ids=self.scenario.ids)),
            [self.beta.id],
        )
        self.assertEqual(
            list(self._aged(salesperson_ids=self.env.user.ids)), [self.beta.id]
        )
        self.assertEqual(
            self._aged(collector_ids=self.collector.ids)[self.alpha.id]["collector_id"],
            self.collector.id,
        )

    def test_drill_down_lists_the_lines_open_on_the_date(self):
        wizard = self.env["credit.aged.balance.wizard"].create(
            {"date": AS_OF, "company_ids": [Command.set(self.company.ids)]}
        )
        action = wizard.action_open()
        self.assertEqual(action["res_model"], "credit.aged.balance.line")
        self.assertEqual(len(wizard.line_ids), 2)
        alpha_line = wizard.line_ids.filtered(
            lambda line: line.partner_id == self.alpha
        )
        self.assertEqual(alpha_line.amount_total, 2300.0)
        self.assertEqual(alpha_line.amount_120_plus, 100.0)
        drill = alpha_line.action_open_invoices()
        lines = self.env["account.move.line"].search(drill["domain"])
        self.assertEqual(
            lines.move_id,
            self.not_due
            | self.partial
            | self.paid_later
            | self.refund
            | self.old
            | self.foreign
            | self.advance.move_id,
        )

    def test_exports(self):
        wizard = self.env["credit.aged.balance.wizard"].create(
            {"date": AS_OF, "company_ids": [Command.set(self.company.ids)]}
        )
        action = wizard.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        sheet = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(wizard.xlsx_file))
        ).active
        headers = [cell.value for cell in sheet[3]]
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        self.assertEqual(
            [row[1] for row in rows[: len(wizard.line_ids)]],
            wizard.line_ids.partner_id.mapped("display_name"),
        )
        total_row = rows[len(wizard.line_ids)]
        self.assertEqual(total_row[0], f"Total {self.company.name}")
        overdue = headers.index("Overdue")
        column = xl_col_to_name(overdue)
        last = 3 + len(wizard.line_ids)
        self.assertEqual(total_row[overdue], f"=SUM({column}4:{column}{last})")
        # Amounts are numbers in the company's currency format.
        amount_cell = sheet.cell(row=4, column=overdue + 1)
        self.assertIsInstance(amount_cell.value, (int, float))
        self.assertIn(self.company.currency_id.symbol, amount_cell.number_format)
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "credit_collection.action_report_credit_aged_balance", wizard.ids
        )
        self.assertIn(b"Alpha Corp", html)
        self.assertIn(b"Beta Ltd", html)
        self.assertIn(b"Overdue", html)

    def test_other_company_is_refused(self):
        with self.assertRaises(AccessError):
            self.env["credit.aged.balance"].with_user(
                self.collector
            )._credit_aged_balance(AS_OF, self.company_2)
        wizard = (
            self.env["credit.aged.balance.wizard"]
            .with_user(self.collector)
            .create({"date": AS_OF})
        )
        self.assertEqual(wizard.company_ids, self.company)
        # A company the user cannot read is refused, nothing is stored.
        wizard.sudo().company_ids = self.company | self.company_2
        with self.assertRaises(AccessError):
            wizard.action_open()
        self.assertFalse(wizard.sudo().line_ids)

    def test_scenario_filter_follows_tags_as_the_engine(self):
        """A customer without scenario of its own nor grade follows the first
        scenario naming one of its tags; its own scenario wins over a tag."""
        tag = self.env["res.partner.category"].create({"name": "Public sector"})
        Scenario = self.env["credit.dunning.scenario"]
        tagged = self.scenario.copy(
            {"name": "Public", "sequence": 20, "partner_category_ids": tag.ids}
        )
        self.scenario.copy(
            {"name": "Later", "sequence": 30, "partner_category_ids": tag.ids}
        )
        Scenario.create(
            {
                "name": "Archived",
                "sequence": 1,
                "active": False,
                "partner_category_ids": tag.ids,
            }
        )
        own = self.scenario.copy({"name": "Own"})
        (self.alpha | self.beta | self.gamma).category_id = tag
        self.beta.with_company(self.company).credit_scenario_id = own
        self.assertEqual(
            (self.alpha | self.beta)._credit_resolve_scenarios(self.company),
            {self.alpha.id: tagged, self.beta.id: own},
        )
        self.assertEqual(list(self._aged(scenario_ids=tagged.ids)), [self.alpha.id])
        self.assertEqual(list(self._aged(scenario_ids=own.ids)), [self.beta.id])
        self.assertFalse(self._aged(self.company, scenario_ids=self.scenario.ids))
        # The tagged scenario belongs to the first company: Gamma's company
        # has no scenario for the tag.
        self.assertNotIn(
            self.gamma.id, self._aged(scenario_ids=(tagged | own | self.scenario).ids)
        )
        wizard = self.env["credit.aged.balance.wizard"].create(
            {
                "date": AS_OF,
                "company_ids": [Command.set(self.company.ids)],
                "scenario_ids": [Command.set(tagged.ids)],
            }
        )
        wizard.action_open()
        self.assertEqual(wizard.line_ids.partner_id, self.alpha)
