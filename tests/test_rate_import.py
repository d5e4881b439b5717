from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open

from ..tools import reference_rates
from ..tools.reference_rates import RateSourceError, parse_sdmx_csv
from .common import CreditCollectionCommon

MODEL_LOGGER = "odoo.addons.credit_collection.models.credit_interest_rate"


def recorded(name):
    with file_open(f"credit_collection/tests/data/{name}") as handle:
        return handle.read()


@tagged("post_install", "-at_install")
class TestRateImport(CreditCollectionCommon):
    """Reference rates imported from the publishers' series (recorded
    responses, no network): each half-year's rate created once, never over
    a rate that exists; without network nothing changes; managers get one
    to-do per half-year without its rates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ecb = recorded("ecb_mro_rate.csv")
        cls.bbk = recorded("bbk_base_rate.csv")
        cls.Rate = cls.env["credit.interest.rate"]

    def shared(self, rate_type, start):
        return self.Rate.search(
            [
                ("rate_type", "=", rate_type),
                ("date_from", "=", start),
                ("company_id", "=", False),
            ]
        )

    def state(self):
        return self.Rate.search([]).read(["rate_type", "date_from", "rate", "note"])

    def test_parsers_give_the_published_half_year_rates(self):
        """The recorded series give the figures the module delivers: the rate
        in force on 1 January and 1 July."""
        ecb = parse_sdmx_csv(self.ecb)
        self.assertEqual(
            reference_rates.half_year_rates(ecb, date(2024, 1, 1), date(2026, 3, 2)),
            {
                date(2024, 1, 1): Decimal("4.50"),
                date(2024, 7, 1): Decimal("4.25"),
                date(2025, 1, 1): Decimal("3.15"),
                date(2025, 7, 1): Decimal("2.15"),
                date(2026, 1, 1): Decimal("2.15"),
            },
        )
        # A change on the day is in force that day, not the day before.
        self.assertEqual(reference_rates.rate_on(ecb, date(2024, 6, 12)), 4.25)
        self.assertEqual(reference_rates.rate_on(ecb, date(2024, 6, 11)), 4.50)
        bbk = parse_sdmx_csv(self.bbk)
        self.assertEqual(
            reference_rates.half_year_rates(bbk, date(2024, 1, 1), date(2026, 3, 2)),
            {
                date(2024, 1, 1): Decimal("3.62"),
                date(2024, 7, 1): Decimal("3.37"),
                date(2025, 1, 1): Decimal("2.27"),
                date(2025, 7, 1): Decimal("1.27"),
                date(2026, 1, 1): Decimal("1.27"),
            },
        )
        # A month not published yet gives no rate (never the month before),
        # and a half-year to come is never given.
        self.assertNotIn(
            date(2026, 7, 1),
            reference_rates.half_year_rates(bbk, date(2026, 1, 1), date(2026, 7, 15)),
        )
        self.assertNotIn(
            date(2026, 7, 1),
            reference_rates.half_year_rates(ecb, date(2026, 1, 1), date(2026, 6, 30)),
        )
        # Semicolons and decimal commas (the publishers' German CSV).
        self.assertEqual(
            parse_sdmx_csv("TIME_PERIOD;OBS_VALUE\n2026-S1;1,27\n"),
            [(date(2026, 1, 1), date(2026, 6, 30), Decimal("1.27"))],
        )
        for text in (
            "<html><body>Service unavailable</body></html>",
            "TIME_PERIOD,OBS_VALUE\n",
            "TIME_PERIOD,OBS_VALUE\n2026-01-01,abc\n",
            "TIME_PERIOD,OBS_VALUE\n2026-01-01,1e9\n",
            "TIME_PERIOD,OBS_VALUE\n2026-01-01,nan\n2026-13,2.0\n",
            "TIME_PERIOD,OBS_VALUE\n2026-02-30,2.0\n",
        ):
            with self.assertRaises(RateSourceError, msg=text):
                parse_sdmx_csv(text)

    @freeze_time("2026-03-02")
    def test_import_creates_each_half_year_once_never_over_a_rate(self):
        """The missing half-years are created from the series and marked
        imported; a rate that exists (here one changed by hand) is kept; a
        second import creates nothing."""
        today = date(2026, 3, 2)
        self.shared("ecb_mro", "2026-01-01").unlink()
        self.shared("de_base", "2026-01-01").unlink()
        by_hand = self.shared("de_base", "2025-07-01")
        by_hand.write({"rate": 9.99, "note": "Typed by the manager"})
        created = self.Rate._credit_import_rates(
            {"ecb_mro": self.ecb, "de_base": self.bbk}, today
        )
        self.assertEqual(
            sorted((r.rate_type, str(r.date_from), r.rate) for r in created),
            [("de_base", "2026-01-01", 1.27), ("ecb_mro", "2026-01-01", 2.15)],
        )
        self.assertTrue(all(created.mapped("imported")))
        self.assertIn("ECB Data Portal", self.shared("ecb_mro", "2026-01-01").note)
        self.assertEqual(by_hand.rate, 9.99)
        self.assertFalse(by_hand.imported)
        before = self.state()
        again = self.Rate._credit_import_rates(
            {"ecb_mro": self.ecb, "de_base": self.bbk}, today
        )
        self.assertFalse(again)
        self.assertEqual(self.state(), before)

    @freeze_time("2026-03-02")
    def test_without_network_or_with_a_wrong_answer_nothing_changes(self):
        """Tests, like a server without network, reach no publisher: the
        action logs it and changes nothing; an answer that is not the
        series (a maintenance page) is logged and changes nothing."""
        self.shared("ecb_mro", "2026-01-01").unlink()
        before = self.state()
        with self.assertLogs(MODEL_LOGGER, "WARNING") as logs:
            self.Rate._cron_import_reference_rates()
        self.assertEqual(len(logs.records), 2)
        self.assertIn("not reachable", logs.output[0])
        self.assertEqual(self.state(), before)
        with self.assertLogs(MODEL_LOGGER, "WARNING") as logs:
            created = self.Rate._credit_import_rates(
                {"ecb_mro": "<html>Maintenance</html>"}, date(2026, 3, 2)
            )
        self.assertFalse(created)
        self.assertIn("could not be read", logs.output[0])
        self.assertEqual(self.state(), before)

    def test_managers_get_one_todo_per_half_year_without_rates(self):
        """From 1 July 2026 (no H2 2026 rate delivered) each Credit Manager of
        the company gets one to-do naming the missing rates, not one a day,
        and none again once done; the next half-year brings a new one."""
        manager = new_test_user(
            self.env,
            login="rates_manager",
            groups="base.group_user,credit_collection.group_credit_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )

        def todos():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "credit.interest.rate"),
                    ("user_id", "=", manager.id),
                ]
            )

        with freeze_time("2026-06-30"):
            self.Rate._credit_remind_missing_rates(date(2026, 6, 30))
        self.assertFalse(todos())
        for day in (date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 3)):
            with freeze_time(day):
                self.Rate._credit_remind_missing_rates(day)
        self.assertEqual(len(todos()), 1)
        self.assertIn("H2 2026", todos().summary)
        self.assertIn("ECB main refinancing rate", todos().note)
        todos().action_done()
        with freeze_time("2026-07-04"):
            self.Rate._credit_remind_missing_rates(date(2026, 7, 4))
        self.assertFalse(todos())
        with freeze_time("2027-01-01"):
            self.Rate._credit_remind_missing_rates(date(2027, 1, 1))
        self.assertEqual(len(todos()), 1)
        self.assertIn("H1 2027", todos().summary)
