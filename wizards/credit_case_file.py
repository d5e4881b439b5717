import base64
import csv
import hashlib
import io
import zipfile

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import float_repr

from ..models.credit_case_file_builder import file_name

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


class CreditCaseFile(models.TransientModel):
    """The legal hand-off of a customer's debt: one ZIP per customer with a
    summary PDF, a CSV of the overdue invoices, the invoices and the letters
    sent, and a manifest, for a collection agency or an "injonction de
    payer". Every figure comes from ``credit.case.file.builder`` (through
    :meth:`_credit_case_data`), so the PDF, the CSV and the tests state the
    same thing."""

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
        # Read the company as stored: record rules would hide one the user
        # may not see, which must be refused, not ignored.
        self.env["credit.case.file.builder"]._credit_check_access(
            self.sudo().company_id
        )

    def _credit_case_data(self, partner):
        """What the case file of ``partner`` states, for the wizard's company,
        date and choice of PDFs (``credit.case.file.builder``)."""
        self.ensure_one()
        return self.env["credit.case.file.builder"]._credit_case_data(
            partner,
            self.company_id,
            self.date,
            include_invoices=self.include_invoices,
            include_notices=self.include_notices,
        )

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
            partner=file_name(partner.name),
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
