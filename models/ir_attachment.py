from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..compat import domain_and, field_readable
from .credit_engine import CONTROLLER, check_engine_fields

# Records whose files are the company's own documents (the letters): a
# customer cannot add a file there, even through the portal's chatter.
ENGINE_DOCUMENT_MODELS = ("credit.notice",)
# Files bound to a field with groups (``res_field``): only who may read the
# field reads them, wherever they are listed or downloaded from.
GUARDED_FIELDS = (("res.partner", "credit_case_file_attachment_id"),)
# Reports for the credit groups: their PDFs, once filed as attachments (the
# statement emailed from the composer, on the customer's chatter and the
# mail), are read by the credit groups only. The customer gets the
# statement by email and renders it on the portal; no portal page serves
# the filed copy.
CONTROLLER_REPORTS = (
    "credit_collection.report_credit_statement",
    "credit_collection.report_credit_case_file",
    "credit_collection.report_credit_aged_balance",
)
# Checksums of those PDFs rendered in the transaction (cursor cache): an
# attachment created with that content is one of them, whatever its name.
RENDERED_KEY = "credit_collection.controller_pdfs"


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    credit_restricted = fields.Boolean(
        string="Credit Groups Only",
        readonly=True,
        help="A document of the credit groups (statement, case file, aged "
        "balance): only credit controllers and managers read it.",
    )

    def _credit_note_rendered(self, report, content):
        """Remember a PDF of a credit-group report rendered now, so that the
        attachment made of it (mail composer, message) is restricted."""
        if report.report_name in CONTROLLER_REPORTS and content:
            checksum = self._compute_checksum(content)
            self.env.cr.cache.setdefault(RENDERED_KEY, set()).add(checksum)

    def _credit_forbidden(self):
        """The restricted attachments of ``self`` the user may not read."""
        if self.env.su or not self._ids or self.env.user.has_group(CONTROLLER):
            return self.browse()
        self.flush_model(["credit_restricted"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM ir_attachment WHERE id IN %s AND credit_restricted",
                tuple(self._ids),
            )
        )
        return self.browse(row[0] for row in rows)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result:
            return result
        forbidden = self._credit_forbidden()
        if not forbidden:
            return None
        return forbidden, lambda: AccessError(
            self.env._("Only credit controllers can open this document.")
        )

    @api.model
    def check(self, mode, values=None):
        # Odoo's own check (mail messages, writes, the portal's downloads).
        result = super().check(mode, values=values)
        if self._credit_forbidden():
            raise AccessError(
                self.env._("Only credit controllers can open this document.")
            )
        return result

    def _credit_check_customer_upload(self, res_models):
        """Portal and public users (also under the mail routes' ``sudo()``)
        may not attach files to a notice."""
        if self.env.user.share and set(res_models) & set(ENGINE_DOCUMENT_MODELS):
            raise AccessError(
                self.env._("Files cannot be attached to a reminder from the portal.")
            )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        # Odoo hides field attachments (res_field) unless the domain names an
        # id or a field, and then checks only the linked record: the guarded
        # ones are hidden from who may not read their field.
        hidden = [
            name
            for model, name in GUARDED_FIELDS
            if not field_readable(self.env[model], name)
        ]
        if hidden and (
            self.env.context.get("skip_res_field_check")
            or any(arg[0] in ("id", "res_field") for arg in domain)
        ):
            domain = domain_and(domain, [("res_field", "not in", hidden)])
        if not self.env.su and not self.env.user.has_group(CONTROLLER):
            domain = domain_and(domain, [("credit_restricted", "=", False)])
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._credit_check_customer_upload(vals.get("res_model") for vals in vals_list)
        attachments = super().create(vals_list)
        rendered = self.env.cr.cache.get(RENDERED_KEY)
        if rendered:
            attachments.sudo().filtered(
                lambda attachment: attachment.checksum in rendered
            ).credit_restricted = True
        return attachments

    def write(self, vals):
        check_engine_fields(self, vals, ["credit_restricted"])
        if "res_model" in vals:
            self._credit_check_customer_upload([vals["res_model"]])
        elif "res_id" in vals:
            self._credit_check_customer_upload(self.sudo().mapped("res_model"))
        return super().write(vals)
