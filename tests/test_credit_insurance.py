from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import html2plaintext

from ..compat import SALE_LINE_TAXES
from ..models.credit_insurance_declaration import CSV_COLUMNS
from .common import CreditCollectionCommon

TODAY = "2026-12-02"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestCreditInsurance(CreditCollectionCommon):
    """Credit insurance: covers, the insured split of the exposure, the
    declaration deadlines, the alerts, the declarations and their export.
    Figures by hand: policy 90 %, declaration 60 days after the due date,
    claim 150 days after the declaration, alert 10 days before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="insurance_manager",
            name="Irène Manager",
            groups="base.group_user,credit_collection.group_credit_manager",
            company_id=cls.company.id,
        )
        cls.insurer = cls.env["res.partner"].create(
            {"name": "Allianz Trade France", "is_company": True}
        )
        cls.policy = cls.env["credit.insurance.policy"].create(
            {
                "insurer_id": cls.insurer.id,
                "number": "5012345",
                "company_id": cls.company.id,
                "date_start": "2026-01-01",
                "coverage_percent": 90.0,
                "unnamed_limit": 10000.0,
                "declaration_days": 60,
                "claim_days": 150,
                "alert_days": 10,
                "check_cover": True,
                "user_id": cls.manager.id,
            }
        )
        cls.customer.company_registry = "552 100 554"
        cls.cover = cls.env["credit.insurance.cover"].create(
            {
                "policy_id": cls.policy.id,
                "partner_id": cls.customer.id,
                "kind": "named",
                "requested_amount": 50000.0,
                "date_start": "2026-01-01",
                "decision_date": "2026-01-15",
            }
        )
        cls.cover.action_grant()
        cls.small = cls._customer("Martin SARL")
        cls.unnamed = cls.env["credit.insurance.cover"].create(
            {
                "policy_id": cls.policy.id,
                "partner_id": cls.small.id,
                "kind": "unnamed",
                "date_start": "2026-01-01",
            }
        )
        # Due 10 October: to declare by 9 December, this week.
        cls.invoice_a = cls.make_invoice(cls.customer, 12000.0, "2026-10-10")
        # Due 20 September: the deadline, 19 November, has passed.
        cls.invoice_b = cls.make_invoice(cls.customer, 5000.0, "2026-09-20")
        # Due 20 November (unnamed cover): to declare by 19 January 2027.
        cls.invoice_small = cls.make_invoice(cls.small, 3000.0, "2026-11-20")

    def deadline(self, invoice):
        return self.env["credit.insurance.deadline"]._credit_rows(invoice)

    def declare(self, invoices, on=TODAY, reference="ATR-778"):
        declaration = self.env["credit.insurance.declaration"].create(
            {
                "policy_id": self.policy.id,
                "partner_id": invoices.commercial_partner_id.id,
                "move_ids": [Command.set(invoices.ids)],
                "date": on,
                "insurer_reference": reference,
            }
        )
        declaration.action_declare()
        return declaration

    # === COVERS AND DEADLINES === #

    def test_named_cover_deadlines(self):
        self.assertEqual(self.cover.state, "granted")
        self.assertEqual(self.cover.granted_amount, 50000.0)
        row = self.deadline(self.invoice_a)
        self.assertEqual(row.cover_id, self.cover)
        self.assertEqual(row.due_date, date(2026, 10, 10))
        self.assertEqual(row.declaration_deadline, date(2026, 12, 9))
        self.assertEqual(row.alert_date, date(2026, 11, 29))
        self.assertEqual(row.claim_date, date(2027, 5, 8))
        self.assertEqual(row.declaration_state, "to_declare")
        self.assertEqual(row.amount_residual, 12000.0)
        self.assertEqual(
            self.invoice_a.credit_insurance_status,
            "To declare to Allianz Trade France by 12/09/2026",
        )
        self.assertEqual(
            self.invoice_b.credit_insurance_status,
            "Not declared to Allianz Trade France by 11/19/2026: cover lost",
        )

    def test_unnamed_cover_deadlines(self):
        """No request: the policy's discretionary limit, granted at once."""
        self.assertEqual(
            (self.unnamed.state, self.unnamed.granted_amount), ("granted", 10000.0)
        )
        row = self.deadline(self.invoice_small)
        self.assertEqual(row.declaration_deadline, date(2027, 1, 19))
        self.assertEqual(row.claim_date, date(2027, 6, 18))
        with self.assertRaises(ValidationError):
            self.unnamed.granted_amount = 12000.0

    def test_invoice_outside_cover_not_insured(self):
        """An invoice dated before the cover, or of a customer without
        cover, has no deadline."""
        self.cover.date_start = "2026-10-05"
        self.assertFalse(self.deadline(self.invoice_a))
        other = self._customer("Uncovered SA")
        invoice = self.make_invoice(other, 1000.0, "2026-10-10")
        self.assertFalse(self.deadline(invoice))
        self.assertFalse(invoice.credit_insurance_status)

    def test_original_due_date_basis(self):
        """Counted from the original due date, a partial payment of the
        first installment does not move the deadline."""
        self.policy.declaration_basis = "original_due_date"
        term = self.env["account.payment.term"].create(
            {
                "name": "Half at 30, half at 60 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 30}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 60}
                    ),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-08-01",
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Goods", "price_unit": 2000.0, "tax_ids": []}
                    )
                ],
            }
        )
        invoice.action_post()
        self.pay(invoice, 1000.0, on="2026-08-31")  # first installment
        # Original: 31 August + 60 = 30 October; unpaid: 30 September + 60.
        self.assertEqual(
            self.deadline(invoice).declaration_deadline, date(2026, 10, 30)
        )
        self.policy.declaration_basis = "due_date"
        self.assertEqual(
            self.deadline(invoice).declaration_deadline, date(2026, 11, 29)
        )

    def test_one_open_cover_per_customer(self):
        with self.assertRaises(ValidationError):
            self.env["credit.insurance.cover"].create(
                {
                    "policy_id": self.policy.id,
                    "partner_id": self.customer.id,
                    "requested_amount": 10000.0,
                    "date_start": "2026-06-01",
                }
            )

    # === EXPOSURE AND BLOCKING === #

    def test_reduced_cover_split_and_block(self):
        self.company.credit_block_mode = "block"
        self.make_invoice(self.customer, 30000.0, "2026-12-20")
        # Exposure 12,000 + 5,000 + 30,000 = 47,000 under a 50,000 cover.
        self.assertEqual(self.customer.credit_exposure, 47000.0)
        self.assertEqual(self.customer.credit_insurance_cover_amount, 50000.0)
        self.assertEqual(self.customer.credit_insured_amount, 42300.0)  # x 90 %
        self.assertEqual(self.customer.credit_uninsured_amount, 0.0)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "price_unit": 1000.0,
                            SALE_LINE_TAXES: [Command.clear()],
                        }
                    )
                ],
            }
        )
        # The insurer reduces the cover to 35,000: 7,000 above it.
        self.cover.granted_amount = 35000.0
        self.assertEqual(self.cover.state, "reduced")
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.credit_insurance_cover_amount, 35000.0)
        self.assertEqual(self.customer.credit_insured_amount, 31500.0)
        self.assertEqual(self.customer.credit_uninsured_amount, 12000.0)
        with self.assertRaises(RedirectWarning) as error:  # a manager may override
            order.action_confirm()
        self.assertIn(
            "would exceed its credit insurance cover of $\xa035,000.00: exposure "
            "$\xa048,000.00, $\xa013,000.00 uninsured",
            error.exception.args[0],
        )
        self.assertEqual(order.state, "draft")
        # Without the policy's check the order goes through.
        self.policy.check_cover = False
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_cancelled_cover_blocks_everything(self):
        self.company.credit_block_mode = "block"
        self.cover.action_cancel()
        self.assertEqual(self.cover.date_end, date(2026, 12, 2))
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.credit_insurance_cover_id)
        self.assertEqual(self.customer.credit_uninsured_amount, 17000.0)
        problems = self.env["credit.exposure"]._credit_check_problems(
            self.customer, 100.0
        )
        self.assertTrue(any("credit insurance cover" in p for p in problems))

    # === DECLARATIONS === #

    def test_declaration_on_time_and_late(self):
        declaration = self.declare(self.invoice_a | self.invoice_b)
        self.assertEqual(declaration.state, "declared")
        self.assertEqual(declaration.amount_declared, 17000.0)
        self.assertEqual(declaration.claim_date, date(2027, 5, 1))
        # B was due 20 September: its deadline, 19 November, had passed.
        self.assertEqual(declaration.late_move_ids, self.invoice_b)
        self.assertTrue(
            any(
                f"the cover of {self.invoice_b.name} is lost" in body
                for body in declaration.message_ids.mapped("body")
            )
        )
        self.assertEqual(self.deadline(self.invoice_a).declaration_state, "declared")
        self.assertEqual(self.deadline(self.invoice_a).claim_date, date(2027, 5, 1))
        self.assertEqual(
            self.deadline(self.invoice_b).declaration_state, "declared_late"
        )
        self.assertIn("cover lost", self.invoice_b.credit_insurance_status)
        self.assertEqual(
            self.invoice_a.credit_insurance_status,
            "Declared to Allianz Trade France on 12/02/2026 (ATR-778); claim by "
            "05/01/2027",
        )
        with self.assertRaises(ValidationError):
            self.declare(self.invoice_a, reference="twice")
        declaration.action_claim()
        declaration.action_indemnified()
        self.assertEqual(declaration.state, "indemnified")
        with self.assertRaises(UserError):
            declaration.action_claim()

    def test_declaration_dated_in_future_refused(self):
        with self.assertRaises(ValidationError):
            self.declare(self.invoice_a, on="2026-12-03")

    def test_paid_invoice_cannot_be_declared(self):
        """Found on the demo: a paid invoice was declared as unpaid, for
        0.00, and marked as having lost its cover."""
        self.pay(self.invoice_a)
        with self.assertRaisesRegex(UserError, "nothing is left to pay"):
            self.declare(self.invoice_a)

    def test_declare_from_worklist(self):
        rows = self.deadline(self.invoice_a) | self.deadline(self.invoice_b)
        action = rows.action_credit_declare()
        declaration = self.env["credit.insurance.declaration"].browse(action["res_id"])
        self.assertEqual(declaration.move_ids, self.invoice_a | self.invoice_b)
        self.assertEqual(declaration.state, "draft")
        self.assertEqual(self.deadline(self.invoice_a).declaration_state, "draft")

    # === ALERTS === #

    def _declaration_alerts(self, moves):
        """The declaration to-dos on ``moves``, read as the system: 19.0
        shows the test's user only the activities of documents it may post
        on (they are the credit manager's)."""
        return (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    (
                        "activity_type_id",
                        "=",
                        self.env.ref(
                            "credit_collection.mail_activity_type_insurance_declaration"
                        ).id,
                    ),
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                ]
            )
        )

    def test_alerts_created_once_in_batches(self):
        # Due 12 October: deadline 11 December, alert from 1 December.
        invoice_c = self.make_invoice(self.customer, 800.0, "2026-10-12")
        Deadline = self.env["credit.insurance.deadline"]

        def alerts():
            # the demo company has its own
            return self._declaration_alerts(
                self.env["account.move"].search(
                    [("company_id", "=", self.env.company.id)]
                )
            )

        Deadline._cron_declaration_alerts(batch_size=1)
        self.assertEqual(alerts().res_id, self.invoice_a.id)  # earliest deadline
        Deadline._cron_declaration_alerts(batch_size=1)
        Deadline._cron_declaration_alerts(batch_size=1)
        Deadline._cron_declaration_alerts()
        activities = alerts()
        # Not B (its deadline passed: it is late), nor the unnamed invoice
        # (alert from 9 January).
        self.assertEqual(
            sorted(activities.mapped("res_id")),
            sorted((self.invoice_a | invoice_c).ids),
        )
        first = activities.filtered(lambda a: a.res_id == self.invoice_a.id)
        self.assertEqual(first.user_id, self.manager)
        self.assertEqual(first.date_deadline, date(2026, 12, 9))
        self.assertEqual(
            first.summary, "Declare the overdue to Allianz Trade France by 12/09/2026"
        )
        self.assertEqual(self.invoice_a.credit_insurance_alert_date, date(2026, 12, 2))
        with freeze_time("2026-12-05"):
            Deadline._cron_declaration_alerts()
        self.assertEqual(len(alerts()), 2)
        self.declare(self.invoice_a)
        self.assertEqual(alerts().res_id, invoice_c.id)

    def test_alert_in_the_credit_manager_language(self):
        """Found on the demo: the French credit manager's to-do was worded
        in the scheduler's English."""
        self.manager.lang = "fr_FR"
        self.env["credit.insurance.deadline"]._cron_declaration_alerts()
        activity = self._declaration_alerts(self.invoice_a)
        self.assertEqual(
            activity.summary,
            "Déclarer l'impayé à Allianz Trade France avant le 09/12/2026",
        )

    # === ACCESS === #

    def test_access(self):
        company_2 = self.setup_other_company(name="Other Co")["company"]
        stranger = new_test_user(
            self.env,
            login="insurance_stranger",
            groups="base.group_user,credit_collection.group_credit_manager",
            company_id=company_2.id,
            company_ids=[Command.set(company_2.ids)],
        )
        self.declare(self.invoice_a)
        for model in (
            "credit.insurance.policy",
            "credit.insurance.cover",
            "credit.insurance.declaration",
            "credit.insurance.deadline",
        ):
            self.assertFalse(self.env[model].with_user(stranger).search([]), model)
        portal = self.make_portal_user(self.customer, "insured_portal")
        for model in ("credit.insurance.cover", "credit.insurance.declaration"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([])
        # Controllers read policies and covers; managers change them.
        with self.assertRaises(AccessError):
            self.cover.with_user(self.collector).write({"granted_amount": 1.0})
        self.assertEqual(self.cover.with_user(self.collector).granted_amount, 50000.0)
        self.cover.with_user(self.manager).granted_amount = 45000.0
        self.assertEqual(self.cover.state, "reduced")

    # === EXPORT === #

    def test_export_content(self):
        self.make_notice(self.level_first, date(2026, 10, 17), self.invoice_a)
        declaration = self.declare(self.invoice_a | self.invoice_b)
        content = declaration._credit_csv_content()
        self.assertTrue(content.startswith(b"\xef\xbb\xbf"))
        lines = content.decode("utf-8-sig").split("\r\n")
        self.assertEqual(lines[0], ";".join(CSV_COLUMNS))
        rows = [line.split(";") for line in lines[1:] if line]
        self.assertEqual(len(rows), 2)
        by_invoice = {
            row[CSV_COLUMNS.index("invoice")]: dict(zip(CSV_COLUMNS, row, strict=False))
            for row in rows
        }
        row_a = by_invoice[self.invoice_a.name]
        self.assertEqual(row_a["debtor"], "Dupont Industries")
        self.assertEqual(row_a["debtor_siren"], "552100554")
        self.assertEqual(row_a["declaration"], "ATR-778")
        self.assertEqual(row_a["due_date"], "2026-10-10")
        self.assertEqual(row_a["declaration_deadline"], "2026-12-09")
        self.assertEqual(row_a["declared_late"], "0")
        self.assertEqual(row_a["amount_residual"], "12000,00")
        self.assertEqual(row_a["currency"], "USD")
        self.assertEqual(row_a["reminders"], "2026-10-17 First")
        self.assertEqual(by_invoice[self.invoice_b.name]["declared_late"], "1")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "credit_collection.report_credit_insurance_declaration", declaration.ids
            )[0]
            .decode()
        )
        for text in ("552100554", self.invoice_a.name, "5012345", "ATR-778", "First"):
            self.assertIn(text, html)
        self.assertIn("Declared after its deadline: cover lost", html)
        # the policyholder is named in the page itself, not only in the
        # letterhead a wkhtmltopdf without patched Qt leaves out
        policyholder = html2plaintext(
            html.split('name="policyholder"')[1].split('name="insurer"')[0]
        )
        self.assertIn(self.env.company.name, policyholder)

    # === DASHBOARD === #

    def test_dashboard_indicators(self):
        self.cover.granted_amount = 15000.0  # 17,000 owed: 2,000 uninsured
        data = self.env["credit.collection.dashboard"].get_dashboard_data()
        kpis = {kpi["key"]: kpi for kpi in data["kpis"]}
        self.assertEqual(kpis["insurance_due"]["value"], 1)  # A, by 9 December
        self.assertEqual(kpis["insurance_late"]["value"], 1)  # B, 19 November
        self.assertEqual(kpis["insurance_uninsured"]["value"], 2000.0)
        action = self.env["credit.collection.dashboard"].action_credit_open_kpi(
            "insurance_due"
        )
        rows = self.env["credit.insurance.deadline"].search(action["domain"])
        self.assertEqual(rows.move_id, self.invoice_a)
