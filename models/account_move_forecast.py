from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..tools.payment_forecast import FORECAST_WEEKS, HISTORY_DAYS, MIN_PAID_INVOICES

# What the daily computation stores, the explanation's inputs, with their
# column types.
EXPECTED_TYPES = {
    "credit_expected_date": "date",
    "credit_expected_low": "date",
    "credit_expected_high": "date",
    "credit_expected_basis": "varchar",
    "credit_expected_delay": "int",
    "credit_expected_count": "int",
}
EXPECTED_FIELDS = list(EXPECTED_TYPES)
BASES = [
    ("customer", "Customer's history"),
    ("company", "Company's history"),
    ("terms", "Payment terms"),
    ("doubtful", "Doubtful"),
    ("promise", "Promise to pay"),
    ("plan", "Payment plan"),
]


class AccountMoveForecast(models.AbstractModel):
    """The expected payment date of an open invoice (inherited by
    ``account.move``), with its band and what it rests on. Written for all
    open invoices at once by ``credit.payment.forecast
    ._credit_compute_expected_dates`` (daily and on demand), never by hand;
    the explanation is worded on reading, in the reader's language."""

    _name = "credit.move.forecast"
    _description = "Invoice: Expected Payment"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------

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
        "the expected date rests on (those paid at least as late as this "
        "invoice was overdue).",
    )
    credit_expected_count = fields.Integer(
        string="Paid Invoices Read", readonly=True, copy=False
    )
    credit_expected_overdue = fields.Integer(
        string="Days Overdue When Computed",
        compute="_compute_credit_expected_overdue",
        help="Days from the due date to the company's last computation of "
        "the expected dates (negative: not due yet). Not stored: stored, it "
        "would change every open invoice every day.",
    )
    credit_expected_note = fields.Char(
        string="Expected Payment Explanation", compute="_compute_credit_expected_note"
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------

    @api.depends("invoice_date_due", "date", "company_id.credit_expected_computed_on")
    def _compute_credit_expected_overdue(self):
        for move in self:
            computed_on = move.company_id.credit_expected_computed_on
            due = move.invoice_date_due or move.date
            move.credit_expected_overdue = (
                (computed_on - due).days if computed_on and due else 0
            )

    @api.depends(*EXPECTED_FIELDS, "credit_expected_overdue")
    @api.depends_context("lang")
    def _compute_credit_expected_note(self):
        for move in self:
            move.credit_expected_note = move._credit_expected_explain()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _credit_expected_explain(self):
        """The expected date in words, in the reader's language and date
        format."""
        self.ensure_one()
        basis = self.credit_expected_basis
        if not basis:
            return False
        months = HISTORY_DAYS * 12 // 365
        if basis == "doubtful":
            return self.env._(
                "%(days)s days overdue: fewer than %(min)s of the invoices paid "
                "in the last %(months)s months were paid that late (%(count)s); "
                "doubtful, left out of the %(weeks)s-week forecast.",
                days=self.credit_expected_overdue,
                min=MIN_PAID_INVOICES,
                months=months,
                count=self.credit_expected_count,
                weeks=FORECAST_WEEKS,
            )
        dates = {
            "date": format_date(self.env, self.credit_expected_date),
            "low": format_date(self.env, self.credit_expected_low),
            "high": format_date(self.env, self.credit_expected_high),
        }
        if basis == "promise":
            return self.env._("Promise to pay of %(date)s.", **dates)
        if basis == "plan":
            return self.env._("Payment plan installment of %(date)s.", **dates)
        if basis == "terms":
            return self.env._(
                "Too few invoices paid in the last %(months)s months to go by: "
                "expected on its due date, %(date)s.",
                months=months,
                **dates,
            )
        overdue = self.credit_expected_overdue
        if overdue > 0:
            reach = self.env._("%(days)s days late or more", days=overdue)
        elif overdue == 0:
            reach = self.env._("on their due date or later")
        else:
            reach = self.env._("no more than %(days)s days early", days=-overdue)
        values = {
            "habit": self._credit_expected_habit(),
            "count": self.credit_expected_count,
            "months": months,
            "reach": reach,
            **dates,
        }
        if basis == "customer":
            return self.env._(
                "Usually paid %(habit)s, counting this customer's %(count)s "
                "invoices paid in the last %(months)s months %(reach)s; "
                "expected on %(date)s, between %(low)s and %(high)s.",
                **values,
            )
        return self.env._(
            "Too few invoices of this customer to go by: the company's "
            "customers usually pay %(habit)s, counting their %(count)s invoices "
            "paid in the last %(months)s months %(reach)s; expected on "
            "%(date)s, between %(low)s and %(high)s.",
            **values,
        )

    def _credit_expected_habit(self):
        delay = self.credit_expected_delay
        if delay > 0:
            return self.env._("%(days)s days late", days=delay)
        if delay < 0:
            return self.env._("%(days)s days early", days=-delay)
        return self.env._("on time")
