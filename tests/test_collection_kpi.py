from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from ..tools.dso import dso_countback, dso_simple
from .common import CreditCollectionCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-07-01")
class TestCollectionKpi(CreditCollectionCommon):
    """DSO, days to pay, recovery, promises, disputes, cost and what each
    dunning step recovers, on a crafted history computed by hand.

    Sales: April 3,000; May 6,000 (two invoices); June 3,000. April paid on
    05-15, the first May invoice paid 2,000 on 06-10 after a first notice.
    Open on 06-30: 3,000 + 1,000 + 3,000 = 7,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kpi = cls.env["credit.collection.kpi"]
        with freeze_time("2026-07-01"):
            cls.april = cls.make_invoice(cls.customer, 3000, "2026-04-30")
            cls.may_1 = cls.make_invoice(cls.customer, 3000, "2026-05-31")
            cls.may_2 = cls.make_invoice(cls.customer, 3000, "2026-05-31")
            cls.june = cls.make_invoice(cls.customer, 3000, "2026-06-30")
            cls.pay(cls.april, 3000, "2026-05-15")
            cls.first_notice = cls.make_notice(cls.level_first, "2026-06-07", cls.may_1)
            cls.pay(cls.may_1, 2000, "2026-06-10")
            cls.second_notice = cls.make_notice(
                cls.level_second, "2026-06-20", cls.may_2, fee_amount=40.0
            )
            cls.make_notice(
                cls.level_formal, "2026-06-25", cls.may_2, state="to_validate"
            )

    def test_dso_calculators(self):
        self.assertAlmostEqual(dso_simple(7000, 12000, 91), 53.0833, places=4)
        self.assertIsNone(dso_simple(7000, 0, 91))
        # June consumed (30 days), then 4,000 of May's 6,000: 31 * 2/3.
        self.assertAlmostEqual(
            dso_countback(7000, [(3000, 30), (6000, 31), (3000, 30)]),
            30 + 31 * 4000 / 6000,
        )
        self.assertEqual(dso_countback(0, [(3000, 30)]), 0.0)
        # Sales never exhaust the receivable: all the months count.
        self.assertEqual(dso_countback(10000, [(3000, 30), (0, 31)]), 61)

    def test_dso_of_the_crafted_history(self):
        dso = self.kpi._credit_dso(date(2026, 6, 30), self.company)
        self.assertEqual(
            dso[None],
            {
                "receivable": 7000.0,
                "sales": 12000.0,
                "dso_simple": 53.1,  # 7,000 / 12,000 * 91 days
                "dso_countback": 50.7,  # 30 + 31 * 4,000 / 6,000
            },
        )
        per_customer = self.kpi._credit_dso(
            date(2026, 6, 30), self.company, by_partner=True
        )
        self.assertEqual(per_customer[self.customer.id], dso[None])
        history = self.kpi._credit_dso_history(date(2026, 6, 30), self.company, 3)
        self.assertEqual(
            [month_end for month_end, _dso in history],
            [date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)],
        )
        # End of April: 3,000 open, April's 3,000 sales over 30 days.
        self.assertEqual(history[0][1]["dso_countback"], 30.0)
        self.assertEqual(history[2][1]["dso_countback"], 50.7)

    def test_days_to_pay_and_beyond_terms(self):
        # April invoice dated 04-01, due 04-30, paid 05-15.
        times = self.kpi._credit_payment_times(
            self.company, date(2026, 5, 1), date(2026, 5, 31)
        )
        self.assertEqual(times[None], (1, 44.0, 15.0))
        self.assertFalse(
            self.kpi._credit_payment_times(
                self.company, date(2026, 6, 1), date(2026, 6, 30)
            )
        )

    def test_recovery_rate(self):
        # Due in June: the two May invoices (6,000) and June's (3,000);
        # collected: 2,000.
        recovery = self.kpi._credit_recovery(
            self.company, date(2026, 6, 1), date(2026, 6, 30)
        )
        self.assertEqual(recovery, {"due": 9000.0, "collected": 2000.0, "rate": 22.22})
        # May: April's 3,000 and the May invoices 6,000, collected 3,000.
        recovery = self.kpi._credit_recovery(
            self.company, date(2026, 5, 1), date(2026, 5, 31)
        )
        self.assertEqual(recovery, {"due": 9000.0, "collected": 3000.0, "rate": 33.33})

    def test_credit_note_is_not_a_collection(self):
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": "2026-06-05",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Return",
                            "price_unit": 500,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        (refund | self.june).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        recovery = self.kpi._credit_recovery(
            self.company, date(2026, 6, 1), date(2026, 6, 30)
        )
        self.assertEqual(recovery["collected"], 2000.0)

    def test_promise_kept_rate(self):
        def promise(on, state):
            record = self.env["credit.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(self.june.ids)],
                    "amount": 100,
                    "promise_date": on,
                }
            )
            record.state = state
            return record

        promise("2026-06-05", "kept")
        promise("2026-06-12", "kept")
        promise("2026-06-15", "broken")
        promise("2026-06-20", "open")
        promise("2026-06-22", "cancelled")
        promise("2026-07-02", "kept")
        stats = self.kpi._credit_promise_stats(
            self.company, date(2026, 6, 1), date(2026, 6, 30)
        )
        self.assertEqual(stats, {"kept": 2, "broken": 1, "open": 1, "rate": 66.67})

    def test_disputes(self):
        dispute = self.env["credit.dispute"].create({"move_id": self.june.id})
        # The database sets create_date with its own clock: date it by hand.
        dispute.flush_recordset()
        self.env.cr.execute(
            "UPDATE credit_dispute SET create_date = '2026-06-05 09:00' WHERE id = %s",
            [dispute.id],
        )
        with freeze_time("2026-06-15"):
            dispute.action_resolve()
        stats = self.kpi._credit_dispute_stats(
            self.company, date(2026, 6, 1), date(2026, 6, 30)
        )
        self.assertEqual(
            stats,
            {
                "opened": 1,
                "invoices": 1,
                "rate": 100.0,
                "resolved": 1,
                "resolution_days": 10.0,
            },
        )

    def test_cost_of_collection(self):
        self.company.write(
            {
                "credit_cost_email": 1.5,
                "credit_cost_call": 12.0,
                "credit_cost_letter": 8,
            }
        )
        cost = self.kpi._credit_collection_cost(
            self.company, date(2026, 6, 1), date(2026, 6, 30)
        )
        # Two notices sent, both by email, the second with a call task; the
        # formal notice waiting for validation is not counted.
        self.assertEqual(cost["notices"], 2)
        self.assertEqual((cost["email"], cost["call"], cost["letter"]), (2, 1, 0))
        self.assertEqual(cost["cost"], 15.0)
        self.assertEqual(cost["fees"], 40.0)
        self.assertEqual(cost["net_cost"], -25.0)

    def test_recovered_per_level(self):
        rows = self.kpi._credit_recovered_by_level(
            self.company, date(2026, 5, 1), date(2026, 6, 30)
        )
        self.assertEqual(
            rows,
            [
                {
                    "scenario_id": self.scenario.id,
                    "level_id": self.level_first.id,
                    "amount": 2000.0,
                    "invoices": 1,
                }
            ],
        )

    def test_monthly_snapshot_survives_later_changes(self):
        self.company.credit_cost_email = 1.5
        self.customer.with_company(self.company).credit_collector_id = self.collector
        self.first_notice.user_id = self.collector
        snapshots = self.env["credit.collection.snapshot"]
        while snapshots._cron_credit_snapshot():
            pass
        snapshot = snapshots.search(
            [("company_id", "=", self.company.id), ("date", "=", "2026-06-30")]
        )
        self.assertEqual(len(snapshot), 1)
        self.assertRecordValues(
            snapshot,
            [
                {
                    "amount_receivable": 7000.0,
                    "amount_overdue": 4000.0,
                    "amount_not_due": 3000.0,
                    "amount_1_30": 4000.0,
                    "overdue_percent": 57.14,
                    "dso_countback": 50.7,
                    "dso_simple": 53.1,
                    "amount_due": 9000.0,
                    "amount_collected": 2000.0,
                    "recovery_rate": 22.22,
                    "notices_sent": 2,
                    "collection_cost": 3.0,
                    "fees_charged": 40.0,
                }
            ],
        )
        collector_line = snapshot.collector_line_ids.filtered(
            lambda line: line.user_id == self.collector
        )
        self.assertRecordValues(
            collector_line,
            [
                {
                    "customer_count": 1,
                    "amount_overdue": 4000.0,
                    "amount_collected": 2000.0,
                    "notices_sent": 1,
                }
            ],
        )
        # A payment dated in June but entered later does not rewrite history.
        self.pay(self.june, 3000, "2026-06-29")
        self.assertFalse(snapshots._cron_credit_snapshot())
        snapshot.invalidate_recordset()
        self.assertEqual(snapshot.amount_receivable, 7000.0)
        self.assertEqual(
            snapshots.search_count([("company_id", "=", self.company.id)]), 1
        )

    def test_take_snapshots_button_backfills_the_year(self):
        manager = self.env["credit.collection.snapshot"].with_context(
            allowed_company_ids=self.company.ids
        )
        manager.action_credit_take_snapshots()
        months = manager.search([("company_id", "=", self.company.id)]).mapped("date")
        self.assertEqual(len(months), 12)
        self.assertEqual(max(months), date(2026, 6, 30))
        self.assertEqual(min(months), date(2025, 7, 31))
        manager.action_credit_take_snapshots()
        self.assertEqual(
            manager.search_count([("company_id", "=", self.company.id)]), 12
        )

    def test_snapshot_access(self):
        snapshots = self.env["credit.collection.snapshot"]
        mine = snapshots._credit_take_snapshot(self.company, date(2026, 6, 30))
        other = self.setup_other_company(name="Other Co")["company"]
        theirs = snapshots.sudo()._credit_take_snapshot(other, date(2026, 6, 30))
        as_collector = snapshots.with_user(self.collector)
        # Controllers read their companies' trends, never another's...
        self.assertEqual(as_collector.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.collector).read(["amount_receivable"])
        # ...and do not take snapshots: that is the manager's job.
        with self.assertRaises(AccessError):
            as_collector.action_credit_take_snapshots()
        with self.assertRaises(AccessError):
            self.env["credit.collection.kpi"].with_user(
                self.collector
            )._credit_recovery(other, date(2026, 6, 1), date(2026, 6, 30))
