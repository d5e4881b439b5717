from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..tools.payment_forecast import HISTORY_DAYS

# What the daily computation stores, the explanation's inputs.
EXPECTED_FIELDS = [
    "credit_expected_date",
    "credit_expected_low",
    "credit_expected_high",
    "credit_expected_basis",
    "credit_expected_delay",
    "credit_expected_count",
]
BASES = [
    ("customer", "Customer's history"),
    ("company", "Company's history"),
    ("promise", "Promise to pay"),
    ("plan", "Payment plan"),
]


class AccountMove(models.Model):
    """The expected payment date of an open invoice, with its band and what
    it rests on. Written for all open invoices at once by
    ``credit.payment.forecast._credit_compute_expected_dates`` (daily and
    on demand), never by hand; the explanation is worded on reading, in the
    reader's language."""

    _inherit = "account.move"

    credit_expected_date = fields.Date(
        string="Expected Payment", readonly=True, copy=False, index="btree_not_null"
    )
    credit_expected_low = fields.Date(string="Expected From", readonly=True, copy=False)
    credit_expected_high = fields.Date(
        string="Expected Until", readonly=True, copy=False
    )
    credit_expected_basis = fields.Selection(
        BASES, string="Expected Payment Basis", readonly=True, copy=False
    )
    credit_expected_delay = fields.Integer(
        string="Usual Delay (days)",
        readonly=True,
        copy=False,
        help="Weighted median of the days beyond terms of the paid invoices "
        "the expected date rests on.",
    )
    credit_expected_count = fields.Integer(
        string="Paid Invoices Read", readonly=True, copy=False
    )
    credit_expected_note = fields.Char(
        string="Expected Payment Explanation", compute="_compute_credit_expected_note"
    )

    @api.depends(*EXPECTED_FIELDS)
    @api.depends_context("lang")
    def _compute_credit_expected_note(self):
        for move in self:
            move.credit_expected_note = move._credit_expected_explain()

    def _credit_expected_explain(self):
        """The expected date in words, in the reader's language and date
        format."""
        self.ensure_one()
        if not self.credit_expected_date:
            return False
        dates = {
            "date": format_date(self.env, self.credit_expected_date),
            "low": format_date(self.env, self.credit_expected_low),
            "high": format_date(self.env, self.credit_expected_high),
        }
        if self.credit_expected_basis == "promise":
            return self.env._("Promise to pay of %(date)s.", **dates)
        if self.credit_expected_basis == "plan":
            return self.env._("Payment plan installment of %(date)s.", **dates)
        delay = self.credit_expected_delay
        if delay > 0:
            habit = self.env._("%(days)s days late", days=delay)
        elif delay < 0:
            habit = self.env._("%(days)s days early", days=-delay)
        else:
            habit = self.env._("on time")
        if self.credit_expected_basis == "customer":
            return self.env._(
                "Usually paid %(habit)s (%(count)s invoices paid in the last "
                "%(months)s months); expected on %(date)s, between %(low)s "
                "and %(high)s.",
                habit=habit,
                count=self.credit_expected_count,
                months=HISTORY_DAYS * 12 // 365,
                **dates,
            )
        return self.env._(
            "Too few paid invoices of this customer: the company's customers "
            "usually pay %(habit)s (%(count)s invoices paid in the last "
            "%(months)s months); expected on %(date)s, between %(low)s and "
            "%(high)s.",
            habit=habit,
            count=self.credit_expected_count,
            months=HISTORY_DAYS * 12 // 365,
            **dates,
        )
