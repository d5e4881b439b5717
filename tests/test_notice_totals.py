from functools import partial

from odoo.tests import BaseCase, tagged
from odoo.tools import float_round

from odoo.addons.credit_collection.tools.notice_totals import notice_totals

cents = partial(float_round, precision_digits=2)


@tagged("post_install", "-at_install")
class TestNoticeTotals(BaseCase):
    """The notice totals shared by the ORM compute and the run's insert."""

    def test_overdue_lines_only_count_as_overdue(self):
        totals = notice_totals(
            [(100.004, 10, 90.0), (50.0, -3, 45.0), (20.0, 0, 18.0)],
            fee_amount=15.0,
            round_amount=cents,
        )
        self.assertEqual(totals["amount_residual"], 170.0)
        self.assertEqual(totals["amount_overdue"], 100.0)
        self.assertEqual(totals["amount_total"], 185.0)
        self.assertEqual(totals["max_days_overdue"], 10)
        # Priority in company currency: overdue company amount x max days.
        self.assertEqual(totals["priority_score"], 900.0)

    def test_no_lines(self):
        totals = notice_totals([], fee_amount=0.0, round_amount=cents)
        self.assertEqual(totals["amount_total"], 0.0)
        self.assertEqual(totals["max_days_overdue"], 0)
        self.assertEqual(totals["priority_score"], 0)
