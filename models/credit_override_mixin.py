from odoo import api, fields, models
from odoo.exceptions import RedirectWarning, UserError

from .credit_engine import check_engine_fields

OVERRIDE_FIELDS = (
    "credit_override_user_id",
    "credit_override_date",
    "credit_override_reason",
    "credit_override_amount",
)


class CreditOverrideMixin(models.AbstractModel):
    """Credit check of a document (sale order, invoice) at confirmation, and
    the trace of a Credit Manager's override."""

    _name = "credit.override.mixin"
    _description = "Credit Check Override"
    # Fields that only the module's actions write (see credit_engine.py).
    _credit_engine_fields = OVERRIDE_FIELDS

    # Written only by _credit_approve_override; internal users only.
    credit_override_user_id = fields.Many2one(
        "res.users",
        string="Credit Override By",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    credit_override_date = fields.Datetime(
        readonly=True, copy=False, groups="base.group_user"
    )
    credit_override_reason = fields.Char(
        readonly=True, copy=False, groups="base.group_user"
    )
    credit_override_amount = fields.Float(
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="Total of the document when the override was approved; a larger "
        "total needs a new approval.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, self._credit_engine_fields)
        return super().create(vals_list)

    def write(self, vals):
        check_engine_fields(self, vals, self._credit_engine_fields)
        return super().write(vals)

    def _credit_check_amount(self):
        """Amount this document adds to the customer's exposure, in the
        company currency."""
        raise NotImplementedError()

    def _credit_check_extra_problems(self, with_figures=True):
        """Problems that always block, whatever the company's credit check
        (called as superuser: say only what ``with_figures`` allows)."""
        return []

    def _credit_with_hold_warning(self, warning):
        """``warning`` (the document's credit banner) preceded by the credit
        hold of its customer, if any."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        partner = partner.with_company(self.company_id).sudo()
        if not partner.credit_hold:
            return warning
        hold = partner.env["credit.exposure"]._credit_hold_sentence(
            partner, self.env["res.partner"]._credit_user_reads_figures()
        )
        return hold + ("\n" + warning if warning else "")

    def _credit_is_overridden(self):
        self.ensure_one()
        return bool(self.credit_override_user_id) and (
            self.currency_id.compare_amounts(
                self.amount_total, self.credit_override_amount
            )
            <= 0
        )

    def _credit_get_problems(self):
        """(problems, blocking) for this document, in its company.

        Whoever confirms or posts the document is checked, so the customer's
        credit data (limit, grade, exposure) is read as superuser; the
        sentences carry figures only for users allowed to read them. Nothing
        read this way is handed back to the caller."""
        self.ensure_one()
        document = self.with_company(self.company_id).sudo()
        partner = document.partner_id.commercial_partner_id
        with_figures = self.env["res.partner"]._credit_user_reads_figures()
        problems = document.env["credit.exposure"]._credit_check_problems(
            partner, document._credit_check_amount(), with_figures=with_figures
        )
        blocking = document.company_id.credit_block_mode == "block" and problems
        extra = document._credit_check_extra_problems(with_figures=with_figures)
        return problems + extra, bool(blocking or extra)

    def _credit_check(self):
        """Block (or warn about) documents of customers on hold, over their
        limit or that must prepay, unless a Credit Manager approved them."""
        for document in self:
            if document._credit_is_overridden():
                continue
            problems, blocking = document._credit_get_problems()
            if not problems:
                continue
            message = "\n".join(problems)
            if not blocking:
                document.message_post(
                    body=self.env._("Credit warning: %(message)s", message=message),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            if self.env.user.has_group("credit_collection.group_credit_manager"):
                raise RedirectWarning(
                    message,
                    document._credit_override_wizard_action(message),
                    self.env._("Approve an Override"),
                )
            raise UserError(
                message
                + "\n"
                + self.env._("Ask a Credit Manager to approve an override.")
            )

    def _credit_override_wizard_action(self, message):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Override"),
            "res_model": "credit.override.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_res_model": self._name,
                "default_res_id": self.id,
                "default_message": message,
            },
        }

    def action_credit_override(self):
        self.ensure_one()
        problems = self._credit_get_problems()[0]
        return self._credit_override_wizard_action("\n".join(problems))

    def _credit_approve_override(self, reason):
        """Record a Credit Manager's approval on the document and its
        customer: the approver is whoever approves, for the document's total
        at this moment (a larger total needs a new approval)."""
        self.ensure_one()
        if not self.env.user.has_group("credit_collection.group_credit_manager"):
            raise UserError(
                self.env._("Only a Credit Manager can approve a credit override.")
            )
        if not reason:
            raise UserError(self.env._("Give the reason of the credit override."))
        self.sudo().write(
            {
                "credit_override_user_id": self.env.uid,
                "credit_override_date": fields.Datetime.now(),
                "credit_override_reason": reason,
                "credit_override_amount": self.amount_total,
            }
        )
        body = self.env._(
            "Credit override of %(document)s approved by %(user)s: %(reason)s",
            document=self.display_name,
            user=self.env.user.name,
            reason=reason,
        )
        self.message_post(body=body)
        self.partner_id.commercial_partner_id.sudo().message_post(body=body)
