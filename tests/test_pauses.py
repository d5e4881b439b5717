from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Date
from odoo.tests import Form, tagged

from ..compat import GROUPS_FIELD
from .common import CreditCollectionCommon


@tagged("post_install", "-at_install")
class TestDunningPauses(CreditCollectionCommon):
    """What stops the escalation, and what payments close."""

    def test_disputed_invoice_is_not_reminded_and_payment_closes_the_dispute(self):
        disputed = self.make_invoice(self.customer, 900, "2026-03-02")
        dispute = self.env["credit.dispute"].create(
            {"move_id": disputed.id, "reason": "delivery"}
        )
        self.assertTrue(disputed.credit_disputed)
        self.assertFalse(self.run_dunning("2026-03-09"))
        with self.assertRaises(ValidationError):
            self.env["credit.dispute"].create({"move_id": disputed.id})
        self.pay(disputed, on="2026-03-12")
        self.assertEqual(dispute.state, "resolved")
        self.assertTrue(dispute.resolution)

    def test_dispute_dialog_creates_nothing_until_confirmed(self):
        invoice = self.make_invoice(self.customer, 900, "2026-03-02")
        action = invoice.with_user(self.collector).action_credit_open_dispute()
        # What the dialog holds is saved when the page is left: a draft of
        # the wizard, never a dispute that would pause the reminders.
        with Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        ) as dialog:
            dialog.reason = "quality"
            dialog.description = "Scratched panels"
        self.assertFalse(invoice.credit_disputed)
        disputes = self.env["credit.dispute"].search([("move_id", "=", invoice.id)])
        self.assertFalse(disputes)
        result = dialog.record.action_open_dispute()
        dispute = self.env["credit.dispute"].browse(result["res_id"])
        self.assertEqual(dispute.move_id, invoice)
        self.assertEqual(
            (dispute.reason, dispute.state, dispute.user_id),
            ("quality", "open", self.collector),
        )
        self.assertTrue(invoice.credit_disputed)

    def test_resolved_dispute_resumes_dunning(self):
        disputed = self.make_invoice(self.customer, 900, "2026-03-02")
        dispute = self.env["credit.dispute"].create({"move_id": disputed.id})
        self.assertFalse(self.run_dunning("2026-03-09"))
        dispute.action_resolve()
        notice = self.run_dunning("2026-03-10")
        self.assertEqual(notice.level_id, self.level_first)

    def test_dispute_pauses_only_its_invoice(self):
        disputed = self.make_invoice(self.customer, 900, "2026-02-10")
        other = self.make_invoice(self.customer, 100, "2026-03-02")
        self.env["credit.dispute"].create({"move_id": disputed.id})
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.line_ids.move_id, other)
        self.assertEqual(notice.level_id, self.level_first)

    def test_promise_pauses_until_its_date_then_breaks(self):
        self.customer.with_company(self.company).credit_collector_id = self.collector
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        with freeze_time("2026-03-05"):
            promise = self.env["credit.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "amount": 1000,
                    "promise_date": "2026-03-15",
                }
            )
        self.assertEqual(promise.residual_at_promise, 1000)
        # Its name gives the date in the reader's format, never ISO.
        self.env["res.lang"]._activate_lang("fr_FR")
        french = promise.with_context(lang="fr_FR")
        french.invalidate_recordset(["display_name"])
        self.assertIn("15/03/2026", french.display_name)
        self.assertNotIn("2026-03-15", french.display_name)
        self.assertFalse(self.run_dunning("2026-03-09"))
        self.assertFalse(self.run_dunning("2026-03-15"))
        with freeze_time("2026-03-16"):
            broken = self.env["credit.promise"]._credit_detect_broken(
                Date.to_date("2026-03-16"), self.company
            )
        self.assertEqual(broken, promise)
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        notice = self.run_dunning("2026-03-16")
        self.assertEqual(notice.level_id, self.level_first)

    def test_kept_promise_closes_with_the_payment(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        promise = self.env["credit.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, invoice.ids)],
                "amount": 400,
                "promise_date": "2026-03-15",
            }
        )
        self.pay(invoice, amount=250, on="2026-03-10")
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.amount_paid, 250)
        self.pay(invoice, amount=150, on="2026-03-12")
        self.assertEqual(promise.state, "kept")

    def test_promise_validation(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        stranger = self._customer("Stranger SA")
        with self.assertRaises(ValidationError):
            self.env["credit.promise"].create(
                {
                    "partner_id": stranger.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "amount": 100,
                    "promise_date": "2026-03-15",
                }
            )
        with self.assertRaises(ValidationError):
            self.env["credit.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "amount": -5,
                    "promise_date": "2026-03-15",
                }
            )

    def test_manual_pauses_and_exclusion(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        invoice.credit_paused_until = "2026-03-20"
        self.assertFalse(self.run_dunning("2026-03-09"))
        self.assertEqual(self.run_dunning("2026-03-21").level_id, self.level_first)

        paused = self._customer("Paused SA")
        self.make_invoice(paused, 500, "2026-03-02")
        paused.with_company(self.company).credit_paused_until = "2026-03-25"
        excluded = self._customer("Excluded SA")
        self.make_invoice(excluded, 500, "2026-03-02")
        excluded.with_company(self.company).credit_excluded = True
        self.assertFalse(self.notices(paused) | self.notices(excluded))
        self.run_dunning("2026-03-22")
        self.assertFalse(self.notices(paused) | self.notices(excluded))
        self.assertEqual(self.run_dunning("2026-03-26").partner_id, paused)

    def test_paid_notice_and_level_falling_back(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        self.assertEqual(notice.state, "sent")
        with freeze_time("2026-03-12"):
            self.pay(invoice, on="2026-03-12")
        self.assertEqual(notice.state, "paid")
        self.assertFalse(self.customer.with_company(self.company).credit_level_id)
        thank_you = self.env["mail.mail"].search(
            [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
        )
        self.assertEqual(len(thank_you), 1, "only the reminder: no thank-you template")

        # a new late invoice starts again from the first reminder
        self.make_invoice(self.customer, 300, "2026-04-01")
        self.assertEqual(self.run_dunning("2026-04-08").level_id, self.level_first)

    def test_thank_you_email_when_the_scenario_has_one(self):
        self.scenario.thank_you_template_id = self.env.ref(
            "credit_collection.mail_template_notice_thank_you"
        )
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        with freeze_time("2026-03-12"):
            self.pay(invoice, on="2026-03-12")
        mails = self.env["mail.mail"].search(
            [("model", "=", "credit.notice"), ("res_id", "=", notice.id)]
        )
        self.assertEqual(len(mails), 2)
        self.assertIn("thank you", mails.sorted("id")[-1].subject)

    def test_reschedule_postpones_the_next_reminder(self):
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        notice = self.run_dunning("2026-03-09")
        with freeze_time("2026-03-10"):
            wizard = (
                self.env["credit.notice.reschedule"]
                .with_user(self.collector)
                .with_context(active_model="credit.notice", active_ids=notice.ids)
                .create({"date": "2026-03-30", "reason": "Call back on the 30th"})
            )
            with self.assertRaises(UserError):
                wizard.copy({"date": "2026-03-01"}).action_reschedule()
            wizard.action_reschedule()
        self.assertEqual(invoice.credit_paused_until, Date.to_date("2026-03-30"))
        self.assertIn("Call back on the 30th", notice.message_ids[0].body)
        self.assertFalse(self.run_dunning("2026-03-22"))  # +20, postponed
        self.assertEqual(self.run_dunning("2026-03-31").level_id, self.level_second)

    def test_billing_user_payment_and_controller_escalation(self):
        """Settling and escalating are the engine's bookkeeping: a billing
        user who registers the payment, or a controller who validates a
        hand-off, needs no right on customers."""
        billing = self.env["res.users"].create(
            {
                "name": "Bill Ing",
                "login": "billing_only",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                GROUPS_FIELD: [
                    (6, 0, self.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        self.level_formal.escalation_stage = "legal"
        invoice = self.make_invoice(self.customer, 1000, "2026-03-02")
        self.run_dunning("2026-03-09")
        self.run_dunning("2026-03-22")
        notice = self.run_dunning("2026-04-06")
        self.assertEqual(notice.state, "to_validate")
        with freeze_time("2026-04-07"):
            notice.with_user(self.collector).action_validate()
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.credit_escalation_stage, "legal")
        with freeze_time("2026-04-08"):
            self.env["account.payment.register"].with_user(billing).with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": "2026-04-08"})._create_payments()
        self.assertEqual(notice.state, "paid")
        self.assertFalse(partner.credit_level_id)
