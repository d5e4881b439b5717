from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_collection.tools import payment_schedule as ps

D = Decimal


@tagged("post_install", "-at_install")
class TestPaymentScheduleCalculator(BaseCase):
    """The schedule arithmetic, without the ORM."""

    def amounts(self, schedule):
        return [item.amount for item in schedule.installments]

    def dates(self, schedule):
        return [item.date_due for item in schedule.installments]

    def test_equal_split_last_absorbs_rounding(self):
        schedule = ps.compute_schedule(100, date(2026, 3, 15), count=3)
        self.assertEqual(self.amounts(schedule), [D("33.33"), D("33.33"), D("33.34")])
        self.assertEqual(sum(self.amounts(schedule)), D(100))
        schedule = ps.compute_schedule(100, date(2026, 3, 15), count=6)
        self.assertEqual(self.amounts(schedule)[:5], [D("16.67")] * 5)
        self.assertEqual(self.amounts(schedule)[-1], D("16.65"))
        self.assertEqual(schedule.total, D(100))
        self.assertEqual(schedule.count, 6)

    def test_exact_split_and_single_installment(self):
        schedule = ps.compute_schedule("1200.00", date(2026, 3, 15), count=4)
        self.assertEqual(self.amounts(schedule), [D(300)] * 4)
        single = ps.compute_schedule("99.99", date(2026, 3, 15), count=1)
        self.assertEqual(self.amounts(single), [D("99.99")])

    def test_currency_rounding_other_than_cents(self):
        schedule = ps.compute_schedule(100, date(2026, 3, 15), count=3, rounding="0.05")
        self.assertEqual(self.amounts(schedule), [D("33.35"), D("33.35"), D("33.30")])
        schedule = ps.compute_schedule(1000, date(2026, 3, 15), count=3, rounding=1)
        self.assertEqual(self.amounts(schedule), [D(333), D(333), D(334)])

    def test_monthly_month_ends(self):
        schedule = ps.compute_schedule(400, date(2026, 1, 31), count=4)
        self.assertEqual(
            self.dates(schedule),
            [
                date(2026, 1, 31),
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
            ],
        )
        leap = ps.compute_schedule(300, date(2028, 1, 31), count=3)
        self.assertEqual(
            self.dates(leap), [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
        )
        across_year = ps.compute_schedule(300, date(2026, 11, 30), count=3)
        self.assertEqual(
            self.dates(across_year),
            [date(2026, 11, 30), date(2026, 12, 30), date(2027, 1, 30)],
        )

    def test_weekly_and_custom_frequencies(self):
        weekly = ps.compute_schedule(300, date(2026, 3, 2), "weekly", count=3)
        self.assertEqual(
            self.dates(weekly), [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
        )
        every_ten = ps.compute_schedule(
            300, date(2026, 2, 25), "days", count=3, interval_days=10
        )
        self.assertEqual(
            self.dates(every_ten),
            [date(2026, 2, 25), date(2026, 3, 7), date(2026, 3, 17)],
        )

    def test_down_payment(self):
        schedule = ps.compute_schedule(
            1000,
            date(2026, 4, 1),
            count=3,
            down_payment=100,
            start_date=date(2026, 3, 10),
        )
        first = schedule.installments[0]
        self.assertTrue(first.is_down_payment)
        self.assertEqual((first.sequence, first.date_due), (0, date(2026, 3, 10)))
        self.assertEqual(self.amounts(schedule), [D(100), D(300), D(300), D(300)])
        self.assertEqual(schedule.count, 3)
        self.assertEqual(sum(self.amounts(schedule)), D(1000))

    def test_installment_amount_mode(self):
        schedule = ps.compute_schedule(1000, date(2026, 3, 15), installment_amount=300)
        self.assertEqual(self.amounts(schedule), [D(300), D(300), D(300), D(100)])
        exact = ps.compute_schedule(900, date(2026, 3, 15), installment_amount=300)
        self.assertEqual(self.amounts(exact), [D(300)] * 3)
        with_down = ps.compute_schedule(
            1000, date(2026, 3, 15), installment_amount=250, down_payment=250
        )
        self.assertEqual(self.amounts(with_down), [D(250)] * 4)

    def test_fee_is_spread_over_the_installments(self):
        schedule = ps.compute_schedule(1000, date(2026, 3, 15), count=4, fee=25)
        self.assertEqual(schedule.fee, D(25))
        self.assertEqual(schedule.total, D(1025))
        self.assertEqual(self.amounts(schedule), [D("256.25")] * 4)

    def test_interest_on_declining_balance(self):
        # 1200 at 10 %/year, 3 monthly installments from 1 March:
        # 1200 * 31/365 + 800 * 30/365 + 400 * 31/365, all * 10 %
        schedule = ps.compute_schedule(
            1200,
            date(2026, 4, 1),
            count=3,
            annual_rate=10,
            start_date=date(2026, 3, 1),
        )
        expected = (
            (D(1200) * 31 + D(800) * 30 + D(400) * 31) * D("0.10") / D(365)
        ).quantize(D("0.01"))
        self.assertEqual(schedule.interest, expected)
        self.assertEqual(schedule.interest, D("20.16"))
        self.assertEqual(sum(self.amounts(schedule)), D(1200) + expected)

    def test_interest_with_installment_amount_converges(self):
        schedule = ps.compute_schedule(
            1000,
            date(2026, 4, 1),
            installment_amount=250,
            annual_rate=12,
            start_date=date(2026, 3, 1),
        )
        # interest pushes the total just above 4 x 250: a fifth, small one
        self.assertEqual(schedule.count, 5)
        self.assertEqual(self.amounts(schedule)[:4], [D(250)] * 4)
        self.assertEqual(sum(self.amounts(schedule)), schedule.total)
        self.assertGreater(schedule.interest, 0)

    def test_bad_inputs(self):
        first = date(2026, 3, 15)
        cases = [
            ("count", {"count": 0}),
            ("count", {"count": -2}),
            ("count_or_amount", {}),
            ("count_or_amount", {"count": 2, "installment_amount": 10}),
            ("amount", {"installment_amount": 0}),
            ("frequency", {"count": 2, "frequency": "yearly"}),
            ("interval", {"count": 2, "frequency": "days"}),
            ("interval", {"count": 2, "frequency": "days", "interval_days": 0}),
            ("down_payment_negative", {"count": 2, "down_payment": -1}),
            ("down_payment_too_high", {"count": 2, "down_payment": 100}),
            ("rate", {"count": 2, "annual_rate": -1}),
            ("fee", {"count": 2, "fee": -5}),
            ("too_many", {"count": 1000}),
            ("too_many", {"installment_amount": "0.01"}),
            ("first_date_past", {"count": 2, "start_date": date(2026, 3, 16)}),
        ]
        for code, kwargs in cases:
            with self.subTest(code=code, kwargs=kwargs):
                with self.assertRaises(ps.ScheduleError) as caught:
                    ps.compute_schedule(100, first, **kwargs)
                self.assertEqual(caught.exception.code, code)
        with self.assertRaises(ps.ScheduleError) as caught:
            ps.compute_schedule(0, first, count=2)
        self.assertEqual(caught.exception.code, "principal")
        with self.assertRaises(ps.ScheduleError) as caught:
            ps.compute_schedule("0.03", first, count=5)
        self.assertEqual(caught.exception.code, "too_small")

    def test_allocate_in_order(self):
        amounts = [D(100), D(300), D(300)]
        self.assertEqual(ps.allocate(amounts, 0), [0, 0, 0])
        self.assertEqual(ps.allocate(amounts, 250), [D(100), D(150), 0])
        self.assertEqual(ps.allocate(amounts, 700), amounts)
        self.assertEqual(ps.allocate(amounts, 900), amounts)
        self.assertEqual(ps.allocate(amounts, -10), [0, 0, 0])

    def test_totals_always_add_up(self):
        for total in ("0.07", "1", "99.99", "1234.56", "100000.01"):
            for count in range(1, 8):
                if D(total) < D("0.01") * count:
                    continue
                with self.subTest(total=total, count=count):
                    schedule = ps.compute_schedule(
                        total, date(2026, 1, 31), count=count
                    )
                    self.assertEqual(sum(self.amounts(schedule)), D(total))
                    self.assertTrue(all(a > 0 for a in self.amounts(schedule)))
