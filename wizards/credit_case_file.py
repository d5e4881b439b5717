import base64
import csv
import hashlib
import io
import re
import zipfile

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import float_repr

from ..compat import partner_phone_numbers
from ..tools import recovery_indemnity, siren
from ..tools.receivable import CUSTOMER_INVOICE_TYPES, OPEN_PAYMENT_STATES

SENT_NOTICE_STATES = ("sent", "paid")
SUMMARY_PATH = "summary.pdf"
CSV_PATH = "case_file.csv"
MANIFEST_PATH = "MANIFEST.txt"
SUMMARY_REPORT = "credit_collection.action_report_credit_case_file"
INVOICE_REPORT = "account.account_invoices"
NOTICE_REPORT = "credit_collection.action_report_credit_notice"
# Stable column names: agencies map them once, whatever the user's language.
CSV_COLUMNS = (
    "creditor",
    "creditor_siren",
    "debtor",
    "debtor_ref",
    "debtor_siren",
    "debtor_siret",
    "debtor_vat",
    "debtor_type",
    "debtor_address",
    "invoice",
    "invoice_date",
    "due_date",
    "currency",
    "amount_total",
    "amount_residual",
    "days_overdue",
    "late_interest",
    "recovery_indemnity",
    "total_claimed",
    "limitation_date",
    "limitation_warning",
    "formal_notice_date",
    "disputed",
)


def _file_name(name):
    """A document name usable as a file name in any archive tool."""
    return re.sub(r"[^\w.-]+", "_", name or "").strip("_.") or "document"


class CreditCaseFile(models.TransientModel):
    """The legal hand-off of a customer's debt: one ZIP per customer with a
    summary PDF, a CSV of the overdue invoices, the invoices and the letters
    sent, and a manifest, for a collection agency or an "injonction de
    payer". Every figure comes from :meth:`_credit_case_data`, so the PDF,
    the CSV and the tests state the same thing."""

    _name = "credit.case.file"
    _description = "Collection Case File"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
        help="Only this company's invoices, reminders, promises and disputes "
        "go into the case file.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        check_company=True,
        default=lambda self: self._default_partner_ids(),
    )
    date = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="Late interest and days overdue are counted up to this date.",
    )
    include_invoices = fields.Boolean(string="Include Invoice PDFs", default=True)
    include_notices = fields.Boolean(string="Include Notice Letters", default=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Case Files", readonly=True
    )
    bundle_file = fields.Binary(readonly=True, attachment=False)
    bundle_filename = fields.Char(readonly=True)

    def _default_partner_ids(self):
        context = self.env.context
        if context.get("active_model") != "res.partner":
            return self.env["res.partner"]
        ids = context.get("active_ids") or context.get("active_id") or []
        partners = self.env["res.partner"].browse(ids)
        return partners.commercial_partner_id

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_generate(self):
        """Build one ZIP per customer, attach it to the customer and post it
        in its chatter, then download it (several customers: one ZIP of
        their case files)."""
        self.ensure_one()
        self._credit_check_access()
        wizard = self.with_company(self.company_id)
        customers = self.partner_ids.commercial_partner_id
        if not customers:
            raise UserError(self.env._("Choose the customers to export."))
        # Every customer is checked before anything is rendered or posted.
        cases = [
            (customer, wizard._credit_case_data(customer)) for customer in customers
        ]
        attachments = self.env["ir.attachment"]
        for customer, case in cases:
            attachments |= wizard._credit_attach_case_file(customer, case)
        self.attachment_ids = [Command.set(attachments.ids)]
        if len(attachments) == 1:
            return {
                "type": "ir.actions.act_url",
                "url": f"/web/content/{attachments.id}?download=true",
                "target": "self",
            }
        self.write(
            {
                "bundle_file": base64.b64encode(self._credit_bundle(attachments)),
                "bundle_filename": self.env._(
                    "case_files_%(date)s.zip", date=fields.Date.to_string(self.date)
                ),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/bundle_file/"
            f"{self.bundle_filename}?download=true",
            "target": "self",
        }

    def _credit_check_access(self):
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can export collection case files.")
            )
        # Read the company as stored: record rules would hide one the user
        # may not see, which must be refused, not ignored.
        company = self.sudo().company_id
        if company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot export the case files of %(company)s.",
                    company=company.name,
                )
            )

    # ------------------------------------------------------------------
    # What the case file states
    # ------------------------------------------------------------------

    def _credit_case_data(self, partner):
        """Everything the case file states about ``partner``'s debt in the
        wizard's company on the wizard's date, as plain values (str, numbers,
        dates): creditor, debtor, overdue invoices with interest, indemnity
        and limitation date, totals per currency, reminders sent, broken
        promises, disputes and the list of files of the ZIP.

        :raise UserError: nothing is overdue
        :raise UserError: a reference interest rate is missing (a case file
            with wrong interest is worse than none)
        """
        self.ensure_one()
        company = self.company_id
        partner = partner.commercial_partner_id.with_company(company)
        as_of = self.date
        moves, oldest_due = self._credit_overdue_invoices(partner)
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
        invoices = self._credit_invoice_rows(moves, oldest_due)
        reminders = self._credit_reminder_rows(partner)
        data = {
            "date": as_of,
            "company_id": company.id,
            "partner_id": partner.id,
            "creditor": self._credit_party(company.partner_id, company),
            "debtor": self._credit_party(partner, company),
            "invoices": invoices,
            "totals": self._credit_totals(invoices),
            "reminders": reminders,
            "broken_promises": self._credit_broken_promise_rows(partner),
            "disputes": self._credit_dispute_rows(partner),
            "limitation_warnings": sum(
                1 for row in invoices if row["limitation_warning"]
            ),
        }
        data["files"] = self._credit_file_list(invoices, reminders)
        return data

    def _credit_overdue_invoices(self, partner):
        """The customer's invoices of the company with an installment due
        before the date and still unpaid, and the oldest such due date per
        invoice (installments are overdue one by one)."""
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "child_of", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", self.date),
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

    def _credit_invoice_rows(self, moves, oldest_due):
        as_of = self.date
        previous = self.env["credit.interest.charge"]._credit_get_previous(moves)
        charged_until = {
            move_id: date_to
            for move_id, (date_to, _done) in previous.items()
            if date_to
        }
        # A missing reference rate raises here, with the half-year to add.
        interests = moves._credit_late_interest(as_of, charged_until=charged_until)
        indemnities = moves._credit_recovery_indemnity(as_of_date=as_of)
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
            "address": partner._display_address(without_company=True).strip(),
            "email": partner.email or "",
            "phone": ", ".join(partner_phone_numbers(partner)),
            "debtor_type": debtor_type,
            "debtor_type_label": debtor_types.get(debtor_type, ""),
            "stage": stage or "",
            "stage_label": stages.get(stage, "") if stage else "",
        }

    def _credit_reminder_rows(self, partner):
        notices = self.env["credit.notice"].search(
            [
                ("company_id", "=", self.company_id.id),
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

    def _credit_broken_promise_rows(self, partner):
        promises = self.env["credit.promise"].search(
            [
                ("company_id", "=", self.company_id.id),
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

    def _credit_dispute_rows(self, partner):
        disputes = self.env["credit.dispute"].search(
            [
                ("company_id", "=", self.company_id.id),
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

    def _credit_file_list(self, invoices, reminders):
        """The files of the ZIP, in order, each with what it is."""

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
            path = f"{folder}/{_file_name(name)}.pdf"
            index = 2
            while path in used:
                path = f"{folder}/{_file_name(name)}_{index}.pdf"
                index += 1
            used.add(path)
            return path

        if self.include_invoices:
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
        if self.include_notices:
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

    # ------------------------------------------------------------------
    # The files
    # ------------------------------------------------------------------

    def _credit_attach_case_file(self, partner, case):
        """The ZIP of ``case`` as an attachment of the customer, posted in
        its chatter."""
        partner = partner.with_company(self.company_id)
        content = self._credit_zip_content(partner, case)
        name = self.env._(
            "Case file - %(partner)s - %(date)s.zip",
            partner=_file_name(partner.name),
            date=fields.Date.to_string(case["date"]),
        )
        # A controller may read customers, not edit them: filing the case on
        # the customer is collection bookkeeping, done as the engine does its
        # own (escalation stage), in the controller's name.
        # The file is bound to the customer's case file field, whose groups
        # decide who may download it (credit controllers): res_field makes
        # Odoo check that field's access, even from the chatter.
        partner.check_access("read")
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "mimetype": "application/zip",
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "res_field": "credit_case_file_attachment_id",
                    "company_id": self.company_id.id,
                }
            )
        )
        partner.sudo().credit_case_file_attachment_id = attachment
        totals = ", ".join(
            self.env["res.currency"]
            .search([("name", "=", total["currency"])], limit=1)
            .format(total["total"])
            for total in case["totals"]
        )
        partner.sudo().message_post(
            author_id=self.env.user.partner_id.id,
            body=self.env._(
                "Collection case file as of %(date)s (%(company)s): %(count)s overdue "
                "invoices, %(total)s claimed.",
                date=fields.Date.to_string(case["date"]),
                company=self.company_id.name,
                count=len(case["invoices"]),
                total=totals,
            ),
            attachment_ids=attachment.ids,
        )
        return attachment.sudo(False)

    def _credit_zip_content(self, partner, case):
        """The ZIP: every file of ``case['files']``, the manifest last."""
        contents = {}
        for entry in case["files"]:
            kind = entry["kind"]
            if kind == "summary":
                contents[entry["path"]] = self._credit_render_pdf(
                    SUMMARY_REPORT, partner, data={"case_file_id": self.id}
                )
            elif kind == "csv":
                contents[entry["path"]] = self._credit_csv_content(case)
            elif kind == "invoice":
                move = self.env["account.move"].browse(entry["res_id"])
                contents[entry["path"]] = self._credit_invoice_pdf(move)
            elif kind == "notice":
                notice = self.env["credit.notice"].browse(entry["res_id"])
                contents[entry["path"]] = self._credit_notice_pdf(notice)
        manifest = [entry for entry in case["files"] if entry["kind"] == "manifest"]
        if manifest:
            contents[manifest[0]["path"]] = self._credit_manifest_content(
                case, contents
            )
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in contents.items():
                archive.writestr(path, content)
        return output.getvalue()

    def _credit_render_pdf(self, report_ref, records, data=None):
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            report_ref, records.ids, data=data
        )
        if report_type != "pdf":
            # Only the test mode renders HTML instead: never store it as a PDF.
            raise UserError(self.env._("The PDF engine is not available."))
        return content

    def _credit_invoice_pdf(self, move):
        """The PDF the customer received when there is one, else Odoo's
        invoice report."""
        if move.invoice_pdf_report_id:
            return move.invoice_pdf_report_id.raw
        return self._credit_render_pdf(INVOICE_REPORT, move)

    def _credit_notice_pdf(self, notice):
        """The letter stored when the notice went out, else rendered now
        (and then stored by the report, as for any sent notice)."""
        if notice.letter_attachment_id:
            return notice.letter_attachment_id.raw
        return self._credit_render_pdf(NOTICE_REPORT, notice)

    @api.model
    def _credit_csv_content(self, case):
        """One row per overdue invoice: ``;`` separated, decimal comma, ISO
        dates, UTF-8 with a byte order mark (what Excel in French expects)."""

        def amount(value, decimals):
            if value is None:
                return ""
            return float_repr(value, decimals).replace(".", ",")

        def day(value):
            return fields.Date.to_string(value) if value else ""

        creditor, debtor = case["creditor"], case["debtor"]
        output = io.StringIO()
        writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in case["invoices"]:
            decimals = row["decimals"]
            writer.writerow(
                [
                    creditor["name"],
                    creditor["siren"],
                    debtor["name"],
                    debtor["ref"],
                    debtor["siren"],
                    debtor["siret"],
                    debtor["vat"],
                    debtor["debtor_type"],
                    " ".join(debtor["address"].split()),
                    row["number"],
                    day(row["invoice_date"]),
                    day(row["due_date"]),
                    row["currency"],
                    amount(row["amount_total"], decimals),
                    amount(row["residual"], decimals),
                    row["days_overdue"],
                    amount(row["interest"], decimals),
                    amount(row["indemnity"], decimals),
                    amount(row["total_claimed"], decimals),
                    day(row["limitation_date"]),
                    int(row["limitation_warning"]),
                    day(row["formal_notice_date"]),
                    int(row["disputed"]),
                ]
            )
        return output.getvalue().encode("utf-8-sig")

    def _credit_manifest_content(self, case, contents):
        """Plain text: who and what, then ``sha256  path`` per file (the
        format of ``sha256sum -c``), so the receiver can check the files."""

        lines = [
            "# "
            + self.env._(
                "Collection case file: %(debtor)s, claimed by %(creditor)s",
                debtor=case["debtor"]["name"],
                creditor=case["creditor"]["name"],
            ),
            "# "
            + self.env._(
                "As of %(date)s, generated on %(now)s by %(user)s",
                date=fields.Date.to_string(case["date"]),
                now=fields.Datetime.to_string(fields.Datetime.now()),
                user=self.env.user.name,
            ),
            "#",
        ]
        for entry in case["files"]:
            if entry["path"] in contents:
                lines.append(f"# {entry['path']}: {entry['description']}")
        lines.append("")
        for path, content in contents.items():
            lines.append(f"{hashlib.sha256(content).hexdigest()}  {path}")
        return ("\n".join(lines) + "\n").encode()

    @api.model
    def _credit_bundle(self, attachments):
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as archive:
            for attachment in attachments:
                archive.writestr(attachment.name, attachment.raw)
        return output.getvalue()
