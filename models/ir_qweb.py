from lxml import etree

from odoo import models


class IrQweb(models.AbstractModel):
    """Compile an inline template once per transaction when the dunning
    engine renders the same email for a whole batch of notices.

    A mail template's body is an inline QWeb template: Odoo compiles it anew
    for every record (it is not a view, so it has no compilation cache), which
    is about half the cost of rendering a reminder. Under the context key
    ``credit_compile_once`` the compiled functions are kept in the cursor's
    cache, keyed by the template source and every context value that changes
    the compiled code; nothing changes for any other rendering."""

    _inherit = "ir.qweb"

    def _compile(self, template):
        if not (
            self.env.context.get("credit_compile_once")
            and isinstance(template, etree._Element)
        ):
            return super()._compile(template)
        context_keys = [
            *self._get_template_cache_keys(),
            "raise_on_forbidden_code_for_model",
        ]
        key = (
            "credit_collection.qweb",
            etree.tostring(template),
            tuple(repr(self.env.context.get(key)) for key in context_keys),
        )
        compiled = self.env.cr.cache.get(key)
        if compiled is None:
            compiled = self.env.cr.cache[key] = super()._compile(template)
        return compiled
