from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.credit_collection.tools.risk_scoring import (
    PartnerStats,
    ScoringParams,
    compute_score,
)

from .common_risk import CreditRiskCommon


@tagged("post_install", "-at_install")
class TestCreditRiskScore(CreditRiskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grade_a = cls.env.ref("credit_collection.credit_risk_grade_a")
        cls.grade_b = cls.env.ref("credit_collection.credit_risk_grade_b")
        cls.grade_d = cls.env.ref("credit_collection.credit_risk_grade_d")
        cls.grade_e = cls.env.ref("credit_collection.credit_risk_grade_e")
        cls.late_payer = cls.env["res.partner"].create(
            {
                "name": "Chronic Late Payer",
                "is_company": True,
                "property_payment_term_id": cls.pay_terms_a.id,
                "credit_limit": 2000.0,
            }
        )
        months = ["2025-01-01", "2025-02-01", "2025-03-01"]
        for date in months + ["2025-04-01", "2025-05-01", "2025-06-01"]:
            invoice = cls._invoice(1000.0, date, post=True)
            cls._pay(invoice, 1000.0, date)  # on the due date
        paid_dates = ["2025-01-11", "2025-02-11", "2025-03-11"]
        for date, paid in zip(months, paid_dates, strict=True):
            invoice = cls._invoice(1000.0, date, partner=cls.late_payer, post=True)
            cls._pay(invoice, 1000.0, paid)  # 10 days late
        for date in ("2025-04-01", "2025-05-01", "2025-06-01"):
            cls._invoice(1000.0, date, partner=cls.late_payer, post=True)  # unpaid

    def _compute(self, *partners):
        partners = self.env["res.partner"].concat(*partners)
        # Tracking on, as in production (the test class turns it off).
        self.env["credit.risk.score"]._credit_compute_scores(
            partners.with_context(tracking_disable=False, mail_notrack=False)
        )
        self.env.cr.precommit.run()  # tracking values are written at commit
        partners.invalidate_recordset()
        return partners

    def _reasons(self, partner):
        return partner.credit_risk_factor_ids.mapped("reason")

    @freeze_time("2025-06-30")
    def test_good_and_late_payer(self):
        self._compute(self.partner, self.late_payer)
        self.assertEqual(self.partner.credit_risk_grade_id, self.grade_a)
        self.assertGreaterEqual(self.partner.credit_risk_score, 90)
        self.assertIn("Pays on time", self._reasons(self.partner))
        self.assertEqual(self.late_payer.credit_risk_grade_id, self.grade_d)
        self.assertLess(self.late_payer.credit_risk_score, 40)
        reasons = self._reasons(self.late_payer)
        # (10 + 10 + 10 + 90 + 60 + 29) / 6 days; recent invoices later.
        self.assertIn("Paid 35 days late on average, worsening", reasons)
        self.assertIn("100% of invoices paid late", reasons)
        self.assertIn("Exposure at 150% of the credit limit", reasons)
        lines = self.late_payer.credit_risk_factor_ids
        self.assertEqual(len(lines), 8)
        self.assertEqual(
            100 - round(sum(lines.mapped("points"))),
            self.late_payer.credit_risk_score,
        )
        self.assertTrue(self.late_payer.credit_risk_summary)

    @freeze_time("2025-06-30")
    def test_weights_are_configurable(self):
        self.company.credit_risk_weight_late_share = 0.0
        self.company.credit_risk_weight_limit_usage = 0.0
        self._compute(self.late_payer)
        self.assertEqual(self.late_payer.credit_risk_grade_id, self.grade_b)

    def test_grade_change_tracked(self):
        with freeze_time("2025-06-30"):
            self._compute(self.partner)
        self.assertEqual(self.partner.credit_risk_grade_id, self.grade_a)
        for date in ("2025-07-01", "2025-07-15"):
            self._invoice(5000.0, date, post=True)
        with freeze_time("2025-10-31"):
            self._compute(self.partner)
        self.assertNotEqual(self.partner.credit_risk_grade_id, self.grade_a)
        tracked = self.partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "credit_risk_grade_id"
        )
        self.assertEqual(len(tracked), 1)
        self.assertEqual(tracked.old_value_char, self.grade_a.display_name)

    def test_override_and_expiry(self):
        with freeze_time("2025-06-30"):
            self._compute(self.partner)
            Wizard = self.env["credit.grade.override.wizard"]
            values = {
                "partner_id": self.partner.id,
                "grade_id": self.grade_e.id,
                "reason": "Parent company in receivership",
                "date_end": "2025-07-15",
            }
            with self.assertRaises(AccessError):
                Wizard.with_user(self.controller).create(values).action_apply()
            Wizard.with_user(self.manager).create(values).action_apply()
            self.assertEqual(self.partner.credit_risk_grade_id, self.grade_e)
            self.assertIn(
                "Parent company in receivership", self.partner.message_ids[0].body
            )
        with freeze_time("2025-07-10"):
            self._compute(self.partner)
            self.assertEqual(self.partner.credit_risk_grade_id, self.grade_e)
        with freeze_time("2025-07-20"):
            self._compute(self.partner)
            self.assertEqual(self.partner.credit_risk_grade_id, self.grade_a)
            self.assertFalse(self.partner.credit_grade_override_id)
            self.assertTrue(
                any(
                    "ended on" in body
                    for body in self.partner.message_ids.mapped("body")
                )
            )

    @freeze_time("2025-06-30")
    def test_factors_follow_the_ledger(self):
        def factors(partner):
            return [
                (line.code, line.value, line.points)
                for line in partner.credit_risk_factor_ids
            ]

        self._compute(self.partner, self.late_payer)
        before = {
            partner: factors(partner) for partner in (self.partner, self.late_payer)
        }
        self.assertEqual([len(lines) for lines in before.values()], [8, 8])
        self._compute(self.partner, self.late_payer)
        for partner, lines in before.items():
            self.assertEqual(factors(partner), lines)
        # Another unpaid invoice changes the late payer's factors only.
        self._invoice(5000.0, "2025-05-15", partner=self.late_payer, post=True)
        self._compute(self.partner, self.late_payer)
        self.assertEqual(factors(self.partner), before[self.partner])
        after = factors(self.late_payer)
        self.assertEqual(len(after), 8)
        self.assertNotEqual(after, before[self.late_payer])
        self.assertEqual(
            self.late_payer.credit_risk_assessment_id.summary,
            "; ".join(
                self.late_payer.credit_risk_factor_ids.filtered("points")[:3].mapped(
                    "reason"
                )
            ),
        )

    @freeze_time("2025-06-30")
    def test_scores_and_grades_are_kept_per_company(self):
        self._compute(self.partner, self.late_payer)
        other = self.setup_other_company(name="Other Risk Co")["company"]
        in_other = (self.partner | self.late_payer).with_company(other)
        self.env["credit.risk.score"]._credit_compute_scores(in_other)
        # The late payer has no history in the other company: a score of its
        # own there, while its grade here stays the late payer's.
        self.assertEqual(self.late_payer.credit_risk_grade_id, self.grade_d)
        self.assertTrue(in_other[1].credit_risk_grade_id)
        self.assertNotEqual(in_other[1].credit_risk_grade_id, self.grade_d)
        self.assertNotEqual(
            in_other[1].credit_risk_score, self.late_payer.credit_risk_score
        )
        self.assertEqual(self.partner.credit_risk_grade_id, self.grade_a)

    @freeze_time("2025-06-30")
    def test_cron_works_in_batches(self):
        """The scheduled action's own batches (without queue_job's jobs,
        test_job_dispatch)."""
        self.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.job_dispatch", "cron"
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.risk_batch_size", 1
        )
        Score = self.env["credit.risk.score"]
        done, remaining = Score._cron_compute_scores()
        self.assertEqual(done, 1)
        self.assertGreaterEqual(remaining, 1)
        self.env["ir.config_parameter"].sudo().set_param(
            "credit_collection.risk_batch_size", 500
        )
        for _i in range(20):
            done, remaining = Score._cron_compute_scores()
            if not remaining:
                break
        self.assertEqual(remaining, 0)
        scores = self.env["credit.risk.score"].search(
            [("partner_id", "in", (self.partner | self.late_payer).ids)]
        )
        self.assertEqual(len(scores), 2)
        self.assertEqual(Score._cron_compute_scores(), (0, 0))

    def test_scheduled_action_calls_the_engine(self):
        """The nightly recompute is the risk engine's own scheduled action."""
        cron = self.env.ref("credit_collection.ir_cron_credit_compute_risk")
        self.assertEqual(cron.model_id.model, "credit.risk.score")
        self.assertEqual(cron.code.strip(), "model._cron_compute_scores()")
        self.assertTrue(hasattr(self.env[cron.model_id.model], "_cron_compute_scores"))

    def test_scoring_calculator(self):
        params = ScoringParams()
        score, factors = compute_score(PartnerStats(age_months=36), params)
        self.assertEqual(score, 100)
        stats = PartnerStats(
            invoice_count=4,
            late_count=4,
            avg_days_late=120,
            recent_avg_days_late=150,
            older_avg_days_late=60,
            receivable=1000,
            overdue=1000,
            exposure=5000,
            credit_limit=1000,
            age_months=1,
            broken_promises=5,
            open_disputes=5,
        )
        score, factors = compute_score(stats, params)
        self.assertEqual(score, 0)
        by_code = {f["code"]: f for f in factors}
        # Every factor is capped at its weight.
        self.assertEqual(by_code["days_late"]["points"], params.weight_days_late)
        self.assertEqual(by_code["days_late"]["trend"], "worsening")
