"""What a late invoice owes besides its amount: late interest from its payment
history, the recovery indemnity, and the date the claim is time-barred."""

from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools import (
    late_interest,
    recovery_indemnity,
)


class AccountMoveLateInterest(models.AbstractModel):
    """Late interest of ``account.move`` (inherited by it); the arithmetic is
    in ``tools/late_interest.py`` and ``tools/recovery_indemnity.py``."""

    _name = "credit.move.late.interest"
    _description = "Invoice: Late Interest and Indemnity"

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _credit_late_interest(
        self, as_of_date, scenario=None, notice_date=None, charged_until=None
    ):
        """Late interest of each invoice of ``self`` up to ``as_of_date``
        included, from its payment history.

        :param scenario: the policy to apply; by default each invoice's
            customer scenario (:meth:`_credit_get_scenario`)
        :param notice_date: formal notice date (consumers owe interest only
            from it); by default :meth:`_credit_get_formal_notice_date`
        :param charged_until: {move id: date} interest already charged up to
            that day included (see ``credit.interest.charge``)
        :return: {move: dict(amount, currency, date_from, date_to, days,
            debtor_type, segments=[dict(date_from, date_to, days, base, rate,
            amount)])}; amounts in the invoice currency, rounded once
        :raise UserError: a reference rate is missing for a half-year
        """
        charged_until = charged_until or {}
        history = self._credit_payment_history()
        rate_tables = {}
        results = {}
        for move in self:
            move_scenario = scenario or move._credit_get_scenario()
            debtor_type = move.partner_id._credit_get_debtor_type()
            move_notice_date = notice_date or move._credit_get_formal_notice_date()
            parts = []
            policy = move_scenario.interest_policy if move_scenario else "none"
            if move.move_type == "out_invoice" and policy != "none":
                company = move.company_id
                if company not in rate_tables:
                    rate_tables[company] = self.env[
                        "credit.interest.rate"
                    ]._get_rate_table(company)
                for line in move._credit_receivable_lines():
                    parts.append(
                        move._credit_line_interest(
                            line,
                            as_of_date,
                            move_scenario,
                            debtor_type,
                            rate_tables[company],
                            history.get(line.id, []),
                            move_notice_date,
                            charged_until.get(move.id),
                        )
                    )
            result = late_interest.combine_results(
                [part for part in parts if part], rounding=move.currency_id.round
            )
            results[move] = {
                "amount": float(result.amount),
                "currency": move.currency_id,
                "date_from": result.segments[0].date_from if result.segments else False,
                "date_to": result.segments[-1].date_to if result.segments else False,
                "days": result.days,
                "debtor_type": debtor_type,
                "segments": [
                    {
                        "date_from": segment.date_from,
                        "date_to": segment.date_to,
                        "days": segment.days,
                        "base": float(segment.base),
                        "rate": float(segment.rate),
                        "amount": move.currency_id.round(float(segment.amount)),
                    }
                    for segment in result.segments
                ],
            }
        return results

    def _credit_line_interest(
        self,
        line,
        as_of_date,
        scenario,
        debtor_type,
        rates,
        payments,
        notice_date,
        charged_until,
    ):
        """Exact interest of one receivable line (one installment)."""
        self.ensure_one()
        due_date = line.date_maturity or self.invoice_date_due or self.invoice_date
        arguments = {
            "principal": line.amount_currency,
            "due_date": due_date,
            "end_date": as_of_date,
            "payments": payments,
            "notice_date": notice_date,
            "charged_until": charged_until,
            "rounding": self.currency_id.round,
        }
        try:
            if scenario.interest_policy == "contractual":
                return late_interest.compute_contractual_interest(
                    contractual_rate=scenario.interest_contractual_rate,
                    debtor_type=debtor_type,
                    jurisdiction=scenario.interest_jurisdiction,
                    rates=rates,
                    **arguments,
                )
            return late_interest.compute_statutory_interest(
                rates=rates,
                jurisdiction=scenario.interest_jurisdiction,
                debtor_type=debtor_type,
                **arguments,
            )
        except late_interest.MissingRateError as error:
            self.env["credit.interest.rate"]._raise_missing_rate(error)
        except late_interest.UnsupportedPolicyError:
            # The EU directive only covers commercial transactions: no
            # statutory interest for a consumer under the "EU" jurisdiction.
            return None
        except late_interest.LateInterestError as error:
            raise UserError(
                self.env._(
                    "Late interest of %(invoice)s cannot be computed: %(error)s",
                    invoice=self.display_name,
                    error=str(error),
                )
            ) from error

    def _credit_is_late(self, as_of_date, history=None):
        """True when an installment was not fully paid on its due date and
        that date is before ``as_of_date``."""
        self.ensure_one()
        history = self._credit_payment_history() if history is None else history
        for line in self._credit_receivable_lines():
            due_date = line.date_maturity or self.invoice_date_due
            if not due_date or due_date >= as_of_date:
                continue
            paid_in_time = sum(
                amount for date, amount in history.get(line.id, []) if date <= due_date
            )
            if self.currency_id.compare_amounts(paid_in_time, line.amount_currency) < 0:
                return True
        return False

    def _credit_recovery_indemnity(self, scenario=None, as_of_date=None):
        """Fixed recovery indemnity owed for each late invoice of ``self``
        (Code de commerce L441-10 / D441-5), in the invoice currency: the
        scenario's amount for a business debtor, 0 for a consumer
        (Code de la consommation L111-8) or an invoice not late.

        :return: {move: amount}
        """
        as_of_date = as_of_date or fields.Date.context_today(self)
        history = self._credit_payment_history()
        results = {}
        for move in self:
            move_scenario = scenario or move._credit_get_scenario()
            amount = 0.0
            if (
                move.move_type == "out_invoice"
                and move_scenario
                and move_scenario.apply_recovery_indemnity
                and move._credit_is_late(as_of_date, history)
            ):
                indemnity = recovery_indemnity.recovery_indemnity(
                    move.partner_id._credit_get_debtor_type(),
                    move_scenario.interest_jurisdiction,
                    move_scenario.recovery_indemnity_amount,
                )
                source_currency = (
                    move_scenario.recovery_indemnity_currency_id
                    or move.company_id.currency_id
                )
                amount = source_currency._convert(
                    float(indemnity), move.currency_id, move.company_id, as_of_date
                )
            results[move] = amount
        return results

    def _credit_limitation_date(self):
        """Date the claim is time-barred (5 years between traders, Code de
        commerce L110-4; 2 years against a consumer, Code de la consommation
        L218-2), counted from the due date."""
        self.ensure_one()
        due_date = self.invoice_date_due or self.invoice_date
        if not due_date:
            return False
        return recovery_indemnity.limitation_date(
            due_date, self.partner_id._credit_get_debtor_type()
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _credit_receivable_lines(self):
        return self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
            and line.amount_currency > 0
        )

    def _credit_payment_history(self):
        """{receivable line id: [(date, amount in invoice currency)]} of the
        partial reconciliations (payments, credit notes) of ``self``'s
        receivable lines, read in one query."""
        lines = self._credit_receivable_lines()
        history = defaultdict(list)
        if not lines:
            return history
        partials = (
            self.env["account.partial.reconcile"]
            .sudo()
            .search_fetch(
                [("debit_move_id", "in", lines.ids)],
                ["debit_move_id", "debit_amount_currency", "max_date"],
            )
        )
        for partial in partials:
            if partial.debit_amount_currency > 0:
                history[partial.debit_move_id.id].append(
                    (partial.max_date, partial.debit_amount_currency)
                )
        return history
