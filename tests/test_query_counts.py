from contextlib import closing, contextmanager
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged, warmup

from ..compat import SALE_LINE_TAXES
from .common import CreditCollectionCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-30")
class TestQueryCounts(CreditCollectionCommon):
    """The README's "N queries" figures, held on a small ledger: each
    measure runs for N and 2N customers and must cost the same, stated,
    number of queries (``@warmup`` runs each test once first, so Odoo's own
    caches are warm and only the addon's queries are counted)."""

    N = 3

    @contextmanager
    def rolled_back(self):
        """What the block creates is undone afterwards, so the next measure
        starts from the same database."""
        self.env.flush_all()
        with closing(self.env.cr.savepoint()):
            yield
            self.env.flush_all()
        self.env.invalidate_all()

    def ledger(self, count):
        """``count`` customers, each with an invoice a month overdue, a draft
        invoice and a confirmed order not invoiced yet."""
        customers = self.env["res.partner"]
        for index in range(count):
            customer = self._customer(f"Customer{index} SARL")
            self.make_invoice(customer, 1000 + index, "2026-02-27")
            self.make_invoice(customer, 100, "2026-03-31", post=False)
            self.env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_a.id,
                                "product_uom_qty": 1,
                                "price_unit": 50,
                                SALE_LINE_TAXES: False,
                            }
                        )
                    ],
                }
            ).action_confirm()
            customers |= customer
        self.env.flush_all()
        return customers

    @warmup
    def test_exposure(self):
        """README, Prevent: exposure "for any number of customers in 6
        queries" (every exposure field of the customers, read cold)."""
        for count in (self.N, 2 * self.N):
            with self.rolled_back():
                customers = self.ledger(count)
                customers.invalidate_recordset()
                with self.assertQueryCount(6):
                    figures = customers.mapped("credit_exposure")
                self.assertEqual(figures, [1000 + i + 100 + 50 for i in range(count)])

    @warmup
    def test_dunning_batch(self):
        """README, Remind: the scheduled action's cost per batch does not grow
        with its customers (here one batch: selection, plan, notices)."""
        self.company.credit_dunning_batch_size = 2 * self.N
        for count in (self.N, 2 * self.N):
            with self.rolled_back():
                customers = self.ledger(count)
                run = (
                    self.env["credit.dunning.run"]
                    .sudo()
                    .create({"company_id": self.company.id, "date": "2026-03-30"})
                )
                self.env.invalidate_all()  # each batch of the cron starts cold
                with self.assertQueryCount(49):
                    run._credit_process_batch()
                self.assertEqual(run.state, "done")
                notices = self.notices(on="2026-03-30")
                self.assertEqual(notices.partner_id, customers)
                self.assertEqual(set(notices.level_id.mapped("name")), {"First"})

    @warmup
    def test_aged_balance(self):
        """The aged balance (report, dashboard) in a fixed number of queries
        whatever the ledger's size."""
        AgedBalance = self.env["credit.aged.balance"]
        for count in (self.N, 2 * self.N):
            with self.rolled_back():
                customers = self.ledger(count)
                with self.assertQueryCount(2):
                    rows = AgedBalance._credit_aged_balance(
                        date(2026, 3, 30), self.company
                    )
                self.assertEqual(
                    {row["partner_id"] for row in rows}, set(customers.ids)
                )

    @warmup
    def test_email_outcomes(self):
        """docs/architecture.md, What "sent" means: the email job reads the
        outcome of every queued notice in one query (and writes each outcome
        once)."""
        for count in (self.N, 2 * self.N):
            with self.rolled_back():
                self.ledger(count)
                notices = self.run_dunning("2026-03-30")
                self.assertEqual(len(notices), count)
                mails = self.env["mail.mail"].search(
                    [("mail_message_id", "in", notices.email_message_id.ids)]
                )
                mails.write({"state": "sent"})
                with self.assertQueryCount(3):
                    self.env["credit.notice"]._credit_sync_email_states()
                self.assertEqual(set(notices.mapped("email_state")), {"sent"})
