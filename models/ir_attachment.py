from odoo import api, models
from odoo.exceptions import AccessError

# Records whose files are the company's own documents (the letters): a
# customer cannot add a file there, even through the portal's chatter.
ENGINE_DOCUMENT_MODELS = ("credit.notice",)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _credit_check_customer_upload(self, res_models):
        """Portal and public users (also under the mail routes' ``sudo()``)
        may not attach files to a notice."""
        if self.env.user.share and set(res_models) & set(ENGINE_DOCUMENT_MODELS):
            raise AccessError(
                self.env._("Files cannot be attached to a reminder from the portal.")
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
