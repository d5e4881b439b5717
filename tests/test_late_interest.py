from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.credit_collection.tools import late_interest as li
from odoo.addons.credit_collection.tools import recovery_indemnity as ri

RATES = {
    li.RATE_ECB_MRO: {
        date(2024, 1, 1): "4.50",
        date(2024, 7, 1): "4.25",
        date(2025, 1, 1): "3.15",
        date(2025, 7, 1): "2.15",
    },
    li.RATE_FR_LEGAL_OTHER: {
        date(2024, 1, 1): "5.07",
        date(2024, 7, 1): "4.92",
        date(2025, 1, 1): "3.71",
        date(2025, 7, 1): "2.76",
    },
    li.RATE_DE_BASE: {
        date(2025, 1, 1): "2.27",
        date(2025, 7, 1): "1.27",
    },
}


@tagged("post_install", "-at_install")
class TestLateInterestCalculator(BaseCase):
    """Pure-Python calculators of tools/late_interest.py."""

    def setUp(self):
        super().setUp()
        self.rates = li.RateTable(RATES)

    def _fr_b2b(self, principal, due, end, **kwargs):
        return li.compute_statutory_interest(
            principal, due, end, self.rates, "FR", li.BUSINESS, **kwargs
        )

    def test_worked_example_to_the_cent(self):
        """10,000.00 due 2025-05-15 paid 2025-09-15: 46 days at 13.15 % and
        77 days at 12.15 % (ECB + 10 points, L441-10) = 422.04."""
        result = self._fr_b2b(10000, date(2025, 5, 15), date(2025, 9, 15))
        self.assertEqual(result.amount, Decimal("422.04"))
        self.assertEqual(
            [(s.date_from, s.date_to, s.days, s.rate) for s in result.segments],
            [
                (date(2025, 5, 16), date(2025, 6, 30), 46, Decimal("13.15")),
                (date(2025, 7, 1), date(2025, 9, 15), 77, Decimal("12.15")),
            ],
        )
        self.assertEqual(result.days, 123)

    def test_rate_change_inside_period(self):
        result = self._fr_b2b(10000, date(2024, 6, 20), date(2024, 7, 10))
        self.assertEqual([s.days for s in result.segments], [10, 10])
        self.assertEqual(
            [s.rate for s in result.segments], [Decimal("14.50"), Decimal("14.25")]
        )
        self.assertEqual(result.amount, Decimal("78.77"))

    def test_partial_payments_split_the_base(self):
        result = self._fr_b2b(
            10000,
            date(2025, 5, 15),
            date(2025, 9, 15),
            payments=[(date(2025, 8, 1), 2000), (date(2025, 6, 15), 3000)],
        )
        self.assertEqual(
            [(s.days, s.base) for s in result.segments],
            [(31, 10000), (15, 7000), (32, 7000), (45, 5000)],
        )
        self.assertEqual(result.amount, Decimal("298.98"))

    def test_full_payment_stops_interest(self):
        """Paid in full on 2025-06-30: nothing accrues afterwards."""
        result = self._fr_b2b(
            10000,
            date(2025, 5, 15),
            date(2025, 9, 15),
            payments=[(date(2025, 6, 30), 10000)],
        )
        self.assertEqual(result.days, 46)
        self.assertEqual(result.amount, Decimal("165.73"))

    def test_payment_before_due_date_reduces_base(self):
        result = self._fr_b2b(
            10000,
            date(2025, 5, 15),
            date(2025, 6, 30),
            payments=[(date(2025, 5, 1), 5000)],
        )
        self.assertEqual([s.base for s in result.segments], [5000])
        self.assertEqual(result.amount, Decimal("82.86"))

    def test_leap_year_counts_29_february_over_365(self):
        result = self._fr_b2b(10000, date(2024, 2, 15), date(2024, 3, 15))
        self.assertEqual(result.days, 29)
        # 10,000 x 14.50 % x 29 / 365 = 115.2055 (not / 366 = 114.89)
        self.assertEqual(result.amount, Decimal("115.21"))

    def test_consumer_interest_runs_from_formal_notice(self):
        """Code civil 1231-6: legal rate (other cases) from the notice."""
        without_notice = li.compute_statutory_interest(
            10000, date(2025, 5, 15), date(2025, 9, 15), self.rates, "FR", li.CONSUMER
        )
        self.assertEqual(without_notice.amount, 0)
        self.assertFalse(without_notice.segments)
        with_notice = li.compute_statutory_interest(
            10000,
            date(2025, 5, 15),
            date(2025, 9, 15),
            self.rates,
            "FR",
            li.CONSUMER,
            notice_date=date(2025, 6, 30),
        )
        self.assertEqual(with_notice.days, 77)
        self.assertEqual(with_notice.segments[0].rate, Decimal("2.76"))
        self.assertEqual(with_notice.amount, Decimal("58.22"))
        early_notice = li.compute_statutory_interest(
            10000,
            date(2025, 5, 15),
            date(2025, 5, 25),
            self.rates,
            "FR",
            li.CONSUMER,
            notice_date=date(2025, 5, 1),
        )
        self.assertEqual(early_notice.days, 10, "never before the due date")

    def test_germany_and_eu_margins(self):
        due, end = date(2025, 5, 15), date(2025, 9, 15)
        germany = li.compute_statutory_interest(
            10000, due, end, self.rates, "DE", li.BUSINESS
        )
        self.assertEqual(
            [s.rate for s in germany.segments], [Decimal("11.27"), Decimal("10.27")]
        )
        self.assertEqual(germany.amount, Decimal("358.69"))
        german_consumer = li.compute_statutory_interest(
            10000, due, end, self.rates, "DE", li.CONSUMER, notice_date=due
        )
        self.assertEqual(german_consumer.segments[0].rate, Decimal("7.27"))
        eu = li.compute_statutory_interest(
            10000, due, end, self.rates, "EU", "business"
        )
        self.assertEqual(eu.amount, Decimal("354.64"))
        with self.assertRaises(li.UnsupportedPolicyError):
            li.compute_statutory_interest(10000, due, end, self.rates, "EU", "consumer")

    def test_contractual_rate_floor_three_times_legal_rate(self):
        """L441-10: a contractual rate may not be below 3x the legal rate."""
        with self.assertRaises(li.RateBelowFloorError):
            li.check_contractual_rate(7, Decimal("2.62"))
        self.assertEqual(li.check_contractual_rate(8, Decimal("2.62")), 8)
        # 10 % agreed: below 3 x 3.71 = 11.13 in H1 2025, above 8.28 in H2.
        result = li.compute_contractual_interest(
            10000,
            date(2025, 5, 15),
            date(2025, 9, 15),
            10,
            debtor_type=li.BUSINESS,
            jurisdiction="FR",
            rates=self.rates,
        )
        self.assertEqual(
            [s.rate for s in result.segments], [Decimal("11.13"), Decimal("10")]
        )
        self.assertEqual(result.amount, Decimal("351.23"))
        german = li.compute_contractual_interest(
            10000, date(2025, 5, 15), date(2025, 9, 15), 10, jurisdiction="DE"
        )
        self.assertEqual([s.rate for s in german.segments], [Decimal("10")])
        with self.assertRaises(li.InvalidAmountError):
            li.compute_contractual_interest(
                10000, date(2025, 5, 15), date(2025, 9, 15), 0, jurisdiction="DE"
            )

    def test_missing_rate_raises_naming_the_period(self):
        rates = li.RateTable({li.RATE_ECB_MRO: {date(2025, 1, 1): "3.15"}})
        with self.assertRaises(li.MissingRateError) as catcher:
            li.compute_statutory_interest(
                10000, date(2025, 5, 15), date(2025, 9, 15), rates, "FR", li.BUSINESS
            )
        self.assertEqual(catcher.exception.period_start, date(2025, 7, 1))
        self.assertIn("H2 2025", str(catcher.exception))
        with self.assertRaises(li.InvalidPeriodError):
            rates.set(li.RATE_ECB_MRO, date(2025, 6, 11), "2.15")

    def test_zero_and_negative_amounts_rejected(self):
        due, end = date(2025, 5, 15), date(2025, 9, 15)
        for principal in (0, -100, "abc", None, True):
            with self.assertRaises(li.InvalidAmountError, msg=repr(principal)):
                self._fr_b2b(principal, due, end)
        for payment in (0, -5):
            with self.assertRaises(li.InvalidAmountError):
                self._fr_b2b(1000, due, end, payments=[(date(2025, 6, 1), payment)])
        with self.assertRaises(li.InvalidPeriodError):
            self._fr_b2b(1000, None, end)
        with self.assertRaises(li.InvalidPeriodError):
            self._fr_b2b(1000, due, None)

    def test_rounded_once_at_the_end(self):
        """Three one-day segments of 0.0040, 0.0036 and 0.0032: each rounds
        to 0.00, their sum 0.0108 rounds to 0.01."""
        result = li.compute_interest(
            Decimal("1"),
            date(2025, 1, 1),
            date(2025, 1, 4),
            lambda day: Decimal("146"),
            payments=[(date(2025, 1, 2), "0.1"), (date(2025, 1, 3), "0.1")],
        )
        self.assertEqual(len(result.segments), 3)
        self.assertEqual(
            sum(li.round_amount(s.amount) for s in result.segments), Decimal(0)
        )
        self.assertEqual(result.amount_exact, Decimal("0.0108"))
        self.assertEqual(result.amount, Decimal("0.01"))
        with_callable = li.compute_interest(
            1000, date(2025, 1, 1), date(2025, 1, 11), lambda d: 10, rounding=round
        )
        self.assertEqual(with_callable.amount, Decimal("3"))

    def test_charged_until_splits_without_double_charge(self):
        """Charging up to 2025-07-31 then up to 2025-09-15 bills every day
        exactly once."""
        due, end, middle = date(2025, 5, 15), date(2025, 9, 15), date(2025, 7, 31)
        whole = self._fr_b2b(10000, due, end)
        first = self._fr_b2b(10000, due, middle)
        second = self._fr_b2b(10000, due, end, charged_until=middle)
        self.assertEqual(second.segments[0].date_from, date(2025, 8, 1))
        self.assertEqual(first.days + second.days, whole.days)
        self.assertEqual(first.amount_exact + second.amount_exact, whole.amount_exact)
        self.assertFalse(self._fr_b2b(10000, due, end, charged_until=end).segments)


@tagged("post_install", "-at_install")
class TestRecoveryIndemnity(BaseCase):
    def test_indemnity_business_only(self):
        self.assertEqual(ri.recovery_indemnity(li.BUSINESS, "FR"), Decimal(40))
        self.assertEqual(ri.recovery_indemnity(li.BUSINESS, "DE", 55), Decimal(55))
        self.assertEqual(ri.recovery_indemnity(li.CONSUMER, "FR"), 0)
        self.assertEqual(ri.recovery_indemnity(li.CONSUMER, "FR", 40), 0)
        with self.assertRaises(li.InvalidAmountError):
            ri.recovery_indemnity(li.BUSINESS, "FR", -1)

    def test_limitation_dates(self):
        due = date(2025, 3, 10)
        self.assertEqual(ri.limitation_date(due, li.BUSINESS), date(2030, 3, 10))
        self.assertEqual(ri.limitation_date(due, li.CONSUMER), date(2027, 3, 10))
        self.assertEqual(
            ri.limitation_date(date(2024, 2, 29), li.CONSUMER), date(2026, 2, 28)
        )
        self.assertTrue(ri.limitation_warning(date(2027, 3, 10), date(2026, 10, 1)))
        self.assertFalse(ri.limitation_warning(date(2027, 3, 10), date(2026, 8, 31)))
