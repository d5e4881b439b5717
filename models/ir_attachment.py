from odoo import api, models
from odoo.exceptions import AccessError

from ..compat import domain_and, field_readable

# Records whose files are the company's own documents (the letters): a
# customer cannot add a file there, even through the portal's chatter.
ENGINE_DOCUMENT_MODELS = ("credit.notice",)
# Files bound to a field with groups (``res_field``): only who may read the
# field reads them, wherever they are listed or downloaded from.
GUARDED_FIELDS = (("res.partner", "credit_case_file_attachment_id"),)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

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
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._credit_check_customer_upload(vals.get("res_model") for vals in vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if "res_model" in vals:
            self._credit_check_customer_upload([vals["res_model"]])
        elif "res_id" in vals:
            self._credit_check_customer_upload(self.sudo().mapped("res_model"))
        return super().write(vals)
