from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import BaseCase, new_test_user, tagged

from odoo.addons.credit_collection.tools import payment_forecast as pf

from .common import CreditCollectionCommon

TODAY = date(2026, 12, 2)  # a Wednesday: its week starts on Monday 11-30


def invoice(key, partner, due, total, payments, settled=None, on=None):
    """A ledger row for the pure functions (dated the 1st of its due month
    unless ``on``)."""
    paid = sum(amount for _day, amount in payments)
    return pf.Invoice(
        id=key,
        partner=partner,
        date=on or due.replace(day=1),
        due=due,
        total=total,
        residual=total - paid,
        settled=paid >= total if settled is None else settled,
        payments=payments,
    )


@tagged("post_install", "-at_install")
class TestPaymentForecastCalculator(BaseCase):
    """The statistics of tools/payment_forecast.py, computed by hand."""

    def test_decay_weight_halves_every_90_days(self):
        self.assertEqual(pf.decay_weight(0), 1.0)
        self.assertAlmostEqual(pf.decay_weight(90), 0.5)
        self.assertAlmostEqual(pf.decay_weight(180), 0.25)
        self.assertEqual(pf.decay_weight(-3), 1.0)

    def test_weighted_quantile(self):
        # Unweighted: the lower median of 0, 20, 20 is 20; a recent 0 that
        # weighs four times the others pulls the median to 0.
        self.assertEqual(pf.weighted_quantile([0, 20, 20], [1, 1, 1], 0.5), 20)
        self.assertEqual(pf.weighted_quantile([20, 0, 20], [0.25, 1, 0.25], 0.5), 0)
        self.assertEqual(pf.weighted_quantile([1, 2, 3, 4], [1, 1, 1, 1], 0.5), 2)
        self.assertEqual(pf.weighted_quantile([1, 2, 3, 4], [1, 1, 1, 1], 0.75), 3)
        with self.assertRaises(ValueError):
            pf.weighted_quantile([], [], 0.5)

    def test_behaviour_weighs_recent_invoices(self):
        """Delays 12 (paid today, weight 1), 10 (90 days ago, 0.5), 30 and
        -2 (180 days ago, 0.25 each): total 2; in delay order the cumulated
        weights are -2: 0.25, 10: 0.75, 12: 1.75, 30: 2. P25 (0.5) is 10,
        the median (1) and P75 (1.5) are 12; unweighted the lower median
        would be 10."""
        samples = [
            (TODAY, 12),
            (TODAY - timedelta(days=90), 10),
            (TODAY - timedelta(days=180), 30),
            (TODAY - timedelta(days=180), -2),
        ]
        self.assertEqual(pf.behaviour(samples, TODAY), pf.Behaviour(12, 10, 12, 4))
        self.assertIsNone(pf.behaviour([], TODAY))

    def test_too_few_invoices_fall_back_to_all(self):
        samples = {
            1: [(TODAY, 5), (TODAY, 5), (TODAY, 5)],
            2: [(TODAY, 40), (TODAY, 40)],
        }
        by_key, overall = pf.behaviours(samples, TODAY)
        self.assertEqual(set(by_key), {1})
        self.assertEqual(by_key[1], pf.Behaviour(5, 5, 5, 3))
        # All five: 5, 5, 5, 40, 40 -> median 5, P75 40.
        self.assertEqual(overall, pf.Behaviour(5, 5, 40, 5))

    def test_paid_samples_are_the_history_known_then(self):
        ledger = [
            invoice(1, 7, date(2026, 10, 10), 100, [(date(2026, 10, 20), 100)]),
            # Partly paid before, fully after the day: not known as paid.
            invoice(
                2,
                7,
                date(2026, 10, 1),
                100,
                [(date(2026, 10, 5), 50), (date(2026, 11, 10), 50)],
            ),
            # Paid more than 12 months before.
            invoice(3, 7, date(2025, 9, 1), 100, [(date(2025, 10, 1), 100)]),
            invoice(4, 7, date(2026, 11, 1), 100, []),
        ]
        self.assertEqual(
            pf.paid_samples(ledger, date(2026, 11, 2)), {7: [(date(2026, 10, 20), 10)]}
        )

    def test_expected_dates(self):
        stats = pf.Behaviour(12, 10, 20, 5)
        self.assertEqual(
            pf.expected_from_history(date(2026, 12, 10), stats, TODAY),
            pf.Expected(date(2026, 12, 22), date(2026, 12, 20), date(2026, 12, 30)),
        )
        # Already later than usual: expected from today on.
        self.assertEqual(
            pf.expected_from_history(date(2026, 11, 15), stats, TODAY),
            pf.Expected(TODAY, TODAY, date(2026, 12, 5)),
        )
        # No history at all: on its due date.
        self.assertEqual(
            pf.expected_from_history(date(2026, 12, 10), None, TODAY),
            pf.Expected(*[date(2026, 12, 10)] * 3),
        )
        self.assertEqual(
            pf.expected_from_commitment(date(2026, 12, 5), TODAY),
            pf.Expected(date(2026, 12, 5), date(2026, 12, 5), date(2026, 12, 8)),
        )
        self.assertEqual(
            pf.expected_from_commitment(date(2026, 11, 5), TODAY),
            pf.Expected(TODAY, TODAY, date(2026, 12, 5)),
        )

    def test_installments_pay_the_oldest_invoices_first(self):
        first, second, third = date(2026, 12, 15), date(2027, 1, 15), date(2027, 2, 15)
        installments = [(first, 300), (second, 300), (third, 300)]
        self.assertEqual(
            pf.allocate_installments([("a", 600), ("b", 300)], installments),
            {"a": second, "b": third},
        )
        self.assertEqual(
            pf.allocate_installments([("a", 200), ("b", 100), ("c", 50)], installments),
            {"a": first, "b": first, "c": second},
        )
        # Beyond the schedule: its last date.
        self.assertEqual(
            pf.allocate_installments([("a", 2000)], installments), {"a": third}
        )
        self.assertEqual(pf.allocate_installments([("a", 10)], []), {})

    def test_weekly_buckets(self):
        """Weeks from Monday 11-30. 100 expected today, late until 12-09
        (week 1); 50 expected 12-08 (week 1), early 12-07, late 12-15
        (week 2); 30 beyond the horizon."""
        items = [
            (100.0, TODAY, TODAY, date(2026, 12, 9)),
            (50.0, date(2026, 12, 8), date(2026, 12, 7), date(2026, 12, 15)),
            (30.0, *[date(2027, 6, 1)] * 3),
        ]
        weeks = pf.weekly_buckets(items, TODAY)
        self.assertEqual(len(weeks), 13)
        self.assertEqual(weeks[0]["start"], date(2026, 11, 30))
        self.assertEqual(weeks[12]["start"], date(2027, 2, 22))
        self.assertEqual(
            [(w["amount"], w["low"], w["high"]) for w in weeks[:4]],
            [(100, 0, 100), (50, 50, 100), (0, 0, 50), (0, 0, 0)],
        )
        self.assertEqual(sum(w["amount"] for w in weeks), 150)

    def test_mean_absolute_error(self):
        mae, share = pf.mean_absolute_error([100, 50], [80, 90])
        self.assertEqual(mae, 30)
        self.assertAlmostEqual(share, 30 / 85)
        self.assertEqual(pf.mean_absolute_error([10], [0]), (10, None))

    def test_backtest_exact_for_a_steady_payer(self):
        """A customer who always pays 10 days late: the replayed forecast
        is what came in, week by week."""
        ledger = []
        due = date(2025, 10, 6)
        while due < date(2026, 12, 20):
            paid_on = due + timedelta(days=10)
            payments = [(paid_on, 100.0)] if paid_on < TODAY else []
            ledger.append(invoice(len(ledger), 1, due, 100.0, payments))
            due += timedelta(days=5)
        for weeks in (4, 8, 12):
            as_of = date(2026, 11, 30) - timedelta(weeks=weeks)
            forecast, actual, mae, share = pf.backtest(ledger, as_of, weeks)
            self.assertEqual(forecast, actual)
            self.assertGreater(sum(actual), 0)
            self.assertEqual((mae, share), (0, 0))

    def test_backtest_by_hand(self):
        """Made on Monday 11-02 for 2 weeks; the customer paid 10 days late
        three times before. X (100, due 10-30) expected 11-09, paid 11-12:
        week 1 right. Y (200, due 11-01) expected 11-11 (week 1), but 50
        came on 11-04 (week 0) and the rest after the weeks. Forecast 0 /
        300, actual 50 / 100: errors 50 and 200, mean 125, 125 / 75 of the
        mean collected. Z, paid before, and W, issued after, are not in
        it."""
        as_of = date(2026, 11, 2)
        ledger = [
            invoice(1, 1, date(2026, 10, 10), 100, [(date(2026, 10, 20), 100)]),
            invoice(2, 1, date(2026, 9, 30), 100, [(date(2026, 10, 10), 100)]),
            invoice(3, 1, date(2026, 9, 20), 100, [(date(2026, 9, 30), 100)]),
            invoice(4, 1, date(2026, 10, 30), 100, [(date(2026, 11, 12), 100)]),
            invoice(
                5,
                1,
                date(2026, 11, 1),
                200,
                [(date(2026, 11, 4), 50), (date(2026, 11, 20), 150)],
                on=date(2026, 10, 1),
            ),
            invoice(6, 2, date(2026, 10, 15), 80, [(date(2026, 10, 30), 80)]),
            invoice(
                7,
                1,
                date(2026, 11, 9),
                60,
                [(date(2026, 11, 9), 60)],
                on=date(2026, 11, 5),
            ),
        ]
        forecast, actual, mae, share = pf.backtest(ledger, as_of, 2)
        self.assertEqual(forecast, [0, 300])
        self.assertEqual(actual, [50, 100])
        self.assertEqual(mae, 125)
        self.assertAlmostEqual(share, 125 / 75)


@tagged("post_install", "-at_install")
@freeze_time("2026-12-02")
class TestPaymentForecast(CreditCollectionCommon):
    """Expected dates and the 13-week forecast on 2026-12-02 (weeks from
    Monday 11-30), on a ledger computed by hand.

    Dupont paid three invoices: 30 days late 10 days ago (weight
    0.5^(10/90) = 0.926), 10 days late 73 days ago (0.570), 20 days late 155
    days ago (0.303). In delay order the cumulated weights are 10: 0.570,
    20: 0.873, 30: 1.799: P25 (0.450) 10, median (0.900) and P75 (1.349)
    30 (unweighted, the median would be 20).
    Martin paid one, on time, 27 days ago (0.812): too few, the company's
    behaviour applies: 0: 0.812, 10: 1.382, 20: 1.685, 30: 2.611 of 2.611,
    so P25 0, median 10, P75 30.
    Bernard's two invoices are in a plan of three monthly 300 installments
    from 12-15."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Forecast = cls.env["credit.payment.forecast"]
        cls.martin = cls._customer("Martin SARL")
        cls.bernard = cls._customer("Bernard SA")
        with freeze_time("2026-12-02"):
            cls._craft_ledger()

    @classmethod
    def _paid(cls, partner, due, paid_on, amount=100.0):
        move = cls.make_invoice(partner, amount, due)
        cls.pay(move, amount, paid_on)
        return move

    @classmethod
    def _craft_ledger(cls):
        dupont = cls.customer
        cls._paid(dupont, "2026-10-23", "2026-11-22")
        cls._paid(dupont, "2026-09-10", "2026-09-20")
        cls._paid(dupont, "2026-06-10", "2026-06-30")
        cls._paid(cls.martin, "2026-11-05", "2026-11-05")
        cls.o1 = cls.make_invoice(dupont, 1000, "2026-12-10")
        cls.o2 = cls.make_invoice(dupont, 500, "2026-12-20")
        cls.o3 = cls.make_invoice(dupont, 200, "2026-10-02")
        cls.m1 = cls.make_invoice(cls.martin, 400, "2026-12-15")
        cls.b1 = cls.make_invoice(cls.bernard, 600, "2026-11-15")
        cls.b2 = cls.make_invoice(cls.bernard, 300, "2026-11-25")
        cls.promise = cls.env["credit.promise"].create(
            {
                "partner_id": dupont.id,
                "company_id": cls.company.id,
                "move_ids": [Command.set(cls.o2.ids)],
                "amount": 500.0,
                "promise_date": date(2026, 12, 15),
            }
        )
        cls.env["credit.risk.grade"].create(
            {
                "name": "Watch",
                "code": "W",
                "company_id": cls.company.id,
                "min_score": 0,
                "max_score": 100,
                "max_plan_installments": 3,
            }
        )
        cls.plan = cls.env["credit.payment.plan"]._credit_create_plan(
            cls.bernard,
            cls.b1 | cls.b2,
            {
                "first_date": date(2026, 12, 15),
                "installment_count": 3,
                "frequency": "monthly",
            },
        )
        cls.plan.action_activate()
        cls.Forecast._credit_compute_expected_dates(cls.company)

    def expected(self, move):
        return (
            move.credit_expected_date,
            move.credit_expected_low,
            move.credit_expected_high,
            move.credit_expected_basis,
        )

    def test_customer_history(self):
        self.assertEqual(
            self.expected(self.o1),
            (date(2027, 1, 9), date(2026, 12, 20), date(2027, 1, 9), "customer"),
        )
        self.assertEqual(
            (self.o1.credit_expected_delay, self.o1.credit_expected_count), (30, 3)
        )
        self.assertEqual(
            self.o1.credit_expected_note,
            "Usually paid 30 days late (3 invoices paid in the last 12 months); "
            "expected on 01/09/2027, between 12/20/2026 and 01/09/2027.",
        )
        # Later than usual already: from today.
        self.assertEqual(
            self.expected(self.o3), (date(2026, 12, 2),) * 3 + ("customer",)
        )

    def test_company_fallback(self):
        self.assertEqual(
            self.expected(self.m1),
            (date(2026, 12, 25), date(2026, 12, 15), date(2027, 1, 14), "company"),
        )
        self.assertEqual(
            (self.m1.credit_expected_delay, self.m1.credit_expected_count), (10, 4)
        )
        note = self.m1.credit_expected_note
        self.assertIn("Too few paid invoices of this customer", note)
        self.assertIn("usually pay 10 days late", note)

    def test_promise_overrides_history(self):
        self.assertEqual(
            self.expected(self.o2),
            (date(2026, 12, 15), date(2026, 12, 15), date(2026, 12, 18), "promise"),
        )
        self.assertEqual(self.o2.credit_expected_note, "Promise to pay of 12/15/2026.")
        fr = self.o2.with_context(lang="fr_FR")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertIn("15/12/2026", fr.credit_expected_note)
        # The promise cancelled: the history again.
        self.promise.action_cancel()
        self.Forecast._credit_compute_expected_dates(self.company)
        self.assertEqual(
            self.expected(self.o2),
            (date(2027, 1, 19), date(2026, 12, 30), date(2027, 1, 19), "customer"),
        )

    def test_plan_overrides_history(self):
        """600 + 300 in three 300 installments: the first invoice is paid
        by the second installment, the other by the third."""
        self.assertEqual(
            self.expected(self.b1),
            (date(2027, 1, 15), date(2027, 1, 15), date(2027, 1, 18), "plan"),
        )
        self.assertEqual(self.expected(self.b2)[0], date(2027, 2, 15))
        self.assertEqual(
            self.b2.credit_expected_note, "Payment plan installment of 02/15/2027."
        )

    def test_paid_invoice_cleared(self):
        self.pay(self.m1, 400, date(2026, 12, 2))
        self.Forecast._credit_compute_expected_dates(self.company)
        self.assertFalse(self.m1.credit_expected_date)
        self.assertFalse(self.m1.credit_expected_note)

    def test_thirteen_weeks(self):
        """O3 200 today (week 0); O2 500 promised 12-15 (week 2); M1 400
        12-25 (week 3, early 12-15 week 2, late 01-14 week 6); O1 1000 01-09
        (week 5, early 12-20 week 2); B1 600 01-15 (week 6, late 01-18 week
        7); B2 300 02-15 (week 11)."""
        result = self.Forecast._credit_forecast(self.company, date(2026, 12, 2))
        weeks = result["weeks"]
        self.assertEqual(
            [w["amount"] for w in weeks],
            [200, 0, 500, 400, 0, 1000, 600, 0, 0, 0, 0, 300, 0],
        )
        self.assertEqual(
            [(w["low"], w["high"]) for w in weeks[2:8]],
            [(500, 1900), (0, 400), (0, 0), (0, 1000), (400, 600), (0, 600)],
        )
        self.assertEqual(
            [(p, amount) for p, amount in result["customers"]],
            [(self.customer, 1700), (self.bernard, 900), (self.martin, 400)],
        )
        self.assertEqual(result["bases"]["promise"], 500)
        self.assertEqual(result["bases"]["plan"], 900)

    def test_dashboard_chart(self):
        Dashboard = self.env["credit.collection.dashboard"]
        # the backtest is the nightly job's: none before it ran
        self.assertFalse(
            Dashboard.get_dashboard_data()["charts"]["forecast"]["backtest"]
        )
        self.Forecast._cron_compute_expected_dates()
        chart = Dashboard.get_dashboard_data()["charts"]["forecast"]
        self.assertEqual(chart["title"], "Cash-in forecast (13 weeks)")
        self.assertEqual(len(chart["labels"]), 13)
        self.assertEqual(chart["labels"][0], "11/30/2026")
        self.assertEqual(chart["amount"][5], 1000)
        self.assertEqual(chart["drivers"][0], "Dupont Industries: $\xa01,700.00")
        self.assertIn("Promise to pay: $\xa0500.00", chart["drivers"])
        self.assertEqual(len(chart["backtest"]), 3)
        self.assertFalse(chart["empty"])

    def test_on_demand_for_controllers_only(self):
        clerk = new_test_user(
            self.env, login="clerk", groups="account.group_account_invoice"
        )
        with self.assertRaises(AccessError):
            self.Forecast.with_user(clerk).action_credit_compute_expected_dates()
        self.promise.action_cancel()
        action = self.Forecast.with_user(
            self.collector
        ).action_credit_compute_expected_dates()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.o2.credit_expected_basis, "customer")

    def test_customer_next_payments(self):
        self.assertEqual(
            self.customer.credit_expected_move_ids, self.o3 | self.o2 | self.o1
        )
        self.assertEqual(self.customer.credit_expected_move_ids[0], self.o3)

    def test_companies_apart(self):
        """Company 2's single paid invoice (5 days late) is its whole
        history: company 1's customers change nothing there, and computing
        one company leaves the other alone."""
        other = self.setup_other_company(name="Other Co")["company"]
        gamma = self._customer("Gamma SA", company=other)
        paid = self.make_invoice(gamma, 100, "2026-11-10", company=other)
        # Payments with a journal entry, as in the first company (the
        # forecast reads reconciliations).
        outstanding = (
            self.env["account.account"]
            .with_company(other)
            .create(
                {
                    "name": "Outstanding Receipts",
                    "code": "512999",
                    "account_type": "asset_current",
                    "reconcile": True,
                }
            )
        )
        self.env["account.payment.method.line"].search(
            [("journal_id.company_id", "=", other.id), ("payment_type", "=", "inbound")]
        ).payment_account_id = outstanding
        self.pay(paid, 100, date(2026, 11, 15))
        open_move = self.make_invoice(gamma, 250, "2026-12-20", company=other)
        self.Forecast._credit_compute_expected_dates(self.company)
        self.assertFalse(open_move.credit_expected_date)
        self.Forecast._credit_compute_expected_dates(other)
        self.assertEqual(
            self.expected(open_move),
            (date(2026, 12, 25), date(2026, 12, 25), date(2026, 12, 25), "company"),
        )
        self.assertEqual(open_move.credit_expected_count, 1)
        # Company 1 untouched by company 2's run.
        self.assertEqual(self.o1.credit_expected_date, date(2027, 1, 9))
        weeks = self.Forecast._credit_forecast(other, date(2026, 12, 2))["weeks"]
        self.assertEqual(sum(w["amount"] for w in weeks), 250)


@tagged("post_install", "-at_install")
@freeze_time("2026-12-02")
class TestPaymentForecastBacktest(CreditCollectionCommon):
    """The backtest on the ledger: a customer who always pays 10 days
    late, an invoice due every 12 days since October 2025."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-12-02"):
            due = date(2025, 10, 10)
            while due < date(2026, 12, 28):
                move = cls.make_invoice(cls.customer, 100.0, due)
                paid_on = due + timedelta(days=10)
                if paid_on < TODAY:
                    cls.pay(move, 100.0, paid_on)
                due += timedelta(days=12)

    def test_steady_payer_forecast_exact(self):
        Forecast = self.env["credit.payment.forecast"]
        results = Forecast._credit_backtest(self.company, TODAY)
        # kept by the nightly job as the dashboard reads it: the same figures
        Forecast._credit_store_backtest(self.company, TODAY)
        stored = Forecast._credit_stored_backtest(self.company)
        self.assertEqual(
            [(r["weeks"], r["forecast"], r["mae"]) for r in stored],
            [(r["weeks"], r["forecast"], r["mae"]) for r in results],
        )
        self.assertEqual([r["weeks"] for r in results], [4, 8, 12])
        self.assertEqual(results[0]["as_of"], date(2026, 11, 2))
        for result in results:
            self.assertEqual(result["forecast"], result["actual"])
            self.assertGreater(sum(result["actual"]), 0)
            self.assertEqual(result["mae"], 0)
        # From 09-07: the invoices issued before it (due in August and
        # September: 08-30, 09-11, 09-23, each issued on the 1st) paid 10 days
        # after their due date; those of October on were not issued yet.
        self.assertEqual(sum(results[2]["actual"]), 300)
