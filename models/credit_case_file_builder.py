import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..compat import partner_phone_numbers
from ..tools import recovery_indemnity, siren
from ..tools.receivable import CUSTOMER_INVOICE_TYPES, OPEN_PAYMENT_STATES

SENT_NOTICE_STATES = ("sent", "paid")
SUMMARY_PATH = "summary.pdf"
CSV_PATH = "case_file.csv"
MANIFEST_PATH = "MANIFEST.txt"


def file_name(name):
    """A document name usable as a file name in any archive tool."""
    return re.sub(r"[^\w.-]+", "_", name or "").strip("_.") or "document"


class CreditCaseFileBuilder(models.AbstractModel):
    """What a collection case file states: the legal hand-off of a
    customer's debt computed from the records, for a company and a date, as
    plain values. The case file wizard (ZIP, CSV) and the summary report
    both read this one computation, so the PDF, the CSV and the tests state
    the same thing."""

    _name = "credit.case.file.builder"
    _description = "Collection Case File Builder"

    @api.model
    def _credit_check_access(self, company):
        """Only credit controllers build case files, of their companies."""
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can export collection case files.")
            )
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot export the case files of %(company)s.",
                    company=company.name,
                )
            )

    @api.model
    def _credit_case_data(
        self, partner, company, as_of, include_invoices=True, include_notices=True
    ):
        """Everything the case file states about ``partner``'s debt in
        ``company`` on ``as_of``, as plain values (str, numbers, dates):
        creditor, debtor, overdue invoices with interest, indemnity and
        limitation date, totals per currency, reminders sent, broken promises,
        disputes and the list of files of the ZIP (invoice and letter PDFs as
        asked).

        :raise UserError: nothing is overdue
        :raise UserError: a reference interest rate is missing (a case file
            with wrong interest is worse than none)
        """
        self = self.with_company(company)
        partner = partner.commercial_partner_id.with_company(company)
        moves, oldest_due = self._credit_overdue_invoices(partner, company, as_of)
        if not moves:
            raise UserError(
                self.env._(
                    "%(partner)s has no overdue invoice in %(company)s on %(date)s: "
                    "there is nothing to hand over.",
                    partner=partner.display_name,
                    company=company.name,
                    date=fields.Date.to_string(as_of),
                )
            )
        invoices = self._credit_invoice_rows(moves, oldest_due, as_of)
        reminders = self._credit_reminder_rows(partner, company)
        data = {
            "date": as_of,
            "company_id": company.id,
            "partner_id": partner.id,
            "creditor": self._credit_party(company.partner_id, company),
            "debtor": self._credit_party(partner, company),
            "invoices": invoices,
            "totals": self._credit_totals(invoices),
            "reminders": reminders,
            "broken_promises": self._credit_broken_promise_rows(partner, company),
            "disputes": self._credit_dispute_rows(partner, company),
            "limitation_warnings": sum(
                1 for row in invoices if row["limitation_warning"]
            ),
        }
        data["files"] = self._credit_file_list(
            invoices if include_invoices else [],
            reminders if include_notices else [],
        )
        return data

    @api.model
    def _credit_overdue_invoices(self, partner, company, as_of):
        """The customer's invoices of the company with an installment due
        before the date and still unpaid, and the oldest such due date per
        invoice (installments are overdue one by one)."""
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", as_of),
                ("move_id.move_type", "in", CUSTOMER_INVOICE_TYPES),
                ("move_id.payment_state", "in", OPEN_PAYMENT_STATES),
            ]
        )
        oldest_due = {}
        for line in lines:
            due = line.date_maturity
            if line.move_id.id not in oldest_due or due < oldest_due[line.move_id.id]:
                oldest_due[line.move_id.id] = due
        moves = lines.move_id.sorted(lambda m: (oldest_due[m.id], m.name or "", m.id))
        return moves, oldest_due

    @api.model
    def _credit_invoice_rows(self, moves, oldest_due, as_of):
        previous = self.env["credit.interest.charge"]._credit_get_previous(moves)
        charged_until = {
            move_id: date_to
            for move_id, (date_to, _done) in previous.items()
            if date_to
        }
        # A missing reference rate raises here, with the half-year to add.
        interests = moves._credit_late_interest(as_of, charged_until=charged_until)
        indemnities = moves._credit_recovery_indemnity(as_of_date=as_of)
        insurance = self.env["credit.insurance.deadline"]._credit_status_by_move(
            moves, as_of
        )
        rows = []
        for move in moves:
            currency = move.currency_id
            scenario = move._credit_get_scenario()
            debtor_type = move.partner_id._credit_get_debtor_type()
            interest = currency.round(interests[move]["amount"])
            # None: no indemnity can be claimed (consumer, or the policy has
            # none); 0: it could be, but is not owed or already invoiced.
            indemnity = None
            if (
                debtor_type == "business"
                and scenario
                and scenario.apply_recovery_indemnity
            ):
                indemnity = 0.0
                if not previous.get(move.id, (False, False))[1]:
                    indemnity = currency.round(indemnities[move])
            limitation = move._credit_limitation_date()
            residual = currency.round(move.amount_residual)
            rows.append(
                {
                    "move_id": move.id,
                    "number": move.name,
                    "invoice_date": move.invoice_date,
                    "due_date": move.invoice_date_due,
                    "currency": currency.name,
                    "decimals": currency.decimal_places,
                    "amount_total": currency.round(move.amount_total),
                    "residual": residual,
                    "days_overdue": (as_of - oldest_due[move.id]).days,
                    "interest": interest,
                    "indemnity": indemnity,
                    "total_claimed": currency.round(
                        residual + interest + (indemnity or 0.0)
                    ),
                    "limitation_date": limitation,
                    "limitation_warning": bool(limitation)
                    and recovery_indemnity.limitation_warning(limitation, as_of),
                    "time_barred": bool(limitation) and limitation < as_of,
                    "formal_notice_date": move.credit_formal_notice_date,
                    "disputed": move.credit_disputed,
                    "debtor_type": debtor_type,
                    "insurance": insurance.get(move.id, ""),
                }
            )
        return rows

    @api.model
    def _credit_totals(self, invoices):
        """Principal, interest and indemnity per currency (a court is asked
        for each currency apart)."""
        totals = {}
        for row in invoices:
            total = totals.setdefault(
                row["currency"],
                {
                    "currency": row["currency"],
                    "decimals": row["decimals"],
                    "principal": 0.0,
                    "interest": 0.0,
                    "indemnity": 0.0,
                    "count": 0,
                },
            )
            total["principal"] += row["residual"]
            total["interest"] += row["interest"]
            total["indemnity"] += row["indemnity"] or 0.0
            total["count"] += 1
        result = []
        for code, total in totals.items():
            currency = self.env["res.currency"].with_context(active_test=False)
            currency = currency.search([("name", "=", code)], limit=1)
            for key in ("principal", "interest", "indemnity"):
                total[key] = currency.round(total[key])
            total["total"] = currency.round(
                total["principal"] + total["interest"] + total["indemnity"]
            )
            result.append(total)
        return result

    @api.model
    def _credit_party(self, partner, company):
        """Identity of the creditor or the debtor: what a court form asks."""
        siren_number, siret_number = siren.partner_numbers(partner)
        debtor_types = dict(
            partner._fields["credit_debtor_type"]._description_selection(self.env)
        )
        stages = dict(
            partner._fields["credit_escalation_stage"]._description_selection(self.env)
        )
        debtor_type = partner._credit_get_debtor_type()
        stage = partner.with_company(company).credit_escalation_stage
        return {
            "id": partner.id,
            "name": partner.name or "",
            "ref": partner.ref or "",
            "siren": siren_number,
            "siret": siret_number,
            "vat": partner.vat or "",
            # no blank line where the address has no second street line
            "address": "\n".join(
                line
                for line in partner._display_address(without_company=True).splitlines()
                if line.strip()
            ),
            "email": partner.email or "",
            "phone": ", ".join(partner_phone_numbers(partner)),
            "debtor_type": debtor_type,
            "debtor_type_label": debtor_types.get(debtor_type, ""),
            "stage": stage or "",
            "stage_label": stages.get(stage, "") if stage else "",
        }

    @api.model
    def _credit_reminder_rows(self, partner, company):
        notices = self.env["credit.notice"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", partner.id),
                ("state", "in", SENT_NOTICE_STATES),
            ],
            order="date, id",
        )
        return [
            {
                "notice_id": notice.id,
                "name": notice.name,
                "date": notice.date,
                "level": notice.level_id.name or "",
                "formal_notice": notice.is_formal_notice,
                "channels": notice.channel_summary or "",
                "registered_letter_number": notice.registered_letter_number or "",
                "amount": notice.amount_total,
                "currency": notice.currency_id.name,
            }
            for notice in notices
        ]

    @api.model
    def _credit_broken_promise_rows(self, partner, company):
        promises = self.env["credit.promise"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", partner.id),
                ("state", "=", "broken"),
            ],
            order="promise_date, id",
        )
        return [
            {
                "promise_date": promise.promise_date,
                "made_on": fields.Date.to_date(promise.create_date),
                "amount": promise.amount,
                "currency": promise.currency_id.name,
                "invoices": ", ".join(promise.move_ids.mapped("name")),
            }
            for promise in promises
        ]

    @api.model
    def _credit_dispute_rows(self, partner, company):
        disputes = self.env["credit.dispute"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
            ],
            order="create_date, id",
        )
        reasons = dict(disputes._fields["reason"]._description_selection(self.env))
        states = dict(disputes._fields["state"]._description_selection(self.env))
        return [
            {
                "invoice": dispute.move_id.name,
                "reason": reasons.get(dispute.reason, ""),
                "state": states.get(dispute.state, ""),
                "opened_on": fields.Date.to_date(dispute.create_date),
                "closed_on": dispute.date_closed,
                "description": dispute.description or "",
                "resolution": dispute.resolution or "",
            }
            for dispute in disputes
        ]

    @api.model
    def _credit_file_list(self, invoices, reminders):
        """The files of the ZIP, in order, each with what it is: the PDFs of
        ``invoices`` and of the letters of ``reminders``."""

        files = [
            {
                "path": SUMMARY_PATH,
                "kind": "summary",
                "res_id": False,
                "description": self.env._("Summary of the case"),
            },
            {
                "path": CSV_PATH,
                "kind": "csv",
                "res_id": False,
                "description": self.env._(
                    "Overdue invoices (CSV, semicolon separated)"
                ),
            },
        ]
        used = set()

        def unique(folder, name):
            path = f"{folder}/{file_name(name)}.pdf"
            index = 2
            while path in used:
                path = f"{folder}/{file_name(name)}_{index}.pdf"
                index += 1
            used.add(path)
            return path

        if invoices:
            for row in invoices:
                files.append(
                    {
                        "path": unique("invoices", row["number"]),
                        "kind": "invoice",
                        "res_id": row["move_id"],
                        "description": self.env._(
                            "Invoice %(number)s", number=row["number"]
                        ),
                    }
                )
        if reminders:
            for row in reminders:
                files.append(
                    {
                        "path": unique("notices", row["name"]),
                        "kind": "notice",
                        "res_id": row["notice_id"],
                        "description": self.env._(
                            "Letter of notice %(name)s (%(level)s)",
                            name=row["name"],
                            level=row["level"],
                        ),
                    }
                )
        files.append(
            {
                "path": MANIFEST_PATH,
                "kind": "manifest",
                "res_id": False,
                "description": self.env._(
                    "List of the files with their SHA-256 checksums"
                ),
            }
        )
        return files
