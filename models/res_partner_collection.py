from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools.receivable import OPEN_PAYMENT_STATES
from .credit_engine import EMAIL_LAYOUT


class CreditPartnerCollection(models.AbstractModel):
    """The customer as collection writes to it: its scenario, who is written
    to and who signs, its customer number, its debtor type, its level once
    nothing is due, and its statement of account. Inherited by res.partner,
    whose credit fields, computes and actions are in res_partner.py."""

    _name = "credit.partner.collection"
    _description = "Customer: Collection"

    # === FIELDS === #

    credit_statement_contact_id = fields.Many2one(
        "res.partner",
        string="Statement Recipient",
        compute="_compute_credit_statement_contact_id",
        help="The invoicing contact of the customer, else the customer.",
    )

    # === COMPUTE METHODS === #

    def _compute_credit_statement_contact_id(self):
        for partner in self:
            partner.credit_statement_contact_id = (
                partner._credit_contact() if partner.id else partner
            )

    # === ACTION METHODS === #

    def action_credit_send_statement(self):
        """Open the email composer with the statement of account of each
        selected customer attached: one email per customer."""
        if not self.env.user.has_group("credit_collection.group_credit_controller"):
            raise AccessError(
                self.env._("Only credit controllers can send statements of account.")
            )
        customers = self.commercial_partner_id
        customers._credit_assign_customer_numbers()
        template = self.env.ref("credit_collection.mail_template_credit_statement")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Statement"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "res.partner",
                "default_res_ids": customers.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment"
                if len(customers) == 1
                else "mass_mail",
                "default_email_layout_xmlid": EMAIL_LAYOUT,
            },
        }

    # === BUSINESS METHODS === #

    def _credit_resolve_scenarios(self, company):
        """Scenario of each customer in ``company``: its own, else its risk
        grade's, else one matching its tags, else the company default.
        Returns a dict partner id -> scenario (possibly empty). The rule is
        ``credit.dunning.scenario._credit_resolution_query`` (one query)."""
        Scenario = self.env["credit.dunning.scenario"]
        rows = self.env.execute_query(
            Scenario.sudo()._credit_resolution_query(company, self.ids)
        )
        found = {partner_id: scenario_id for _co, partner_id, scenario_id in rows}
        return {
            partner.id: Scenario.browse(found.get(partner.id) or ()) for partner in self
        }

    def _credit_contact(self):
        """Who a notice is addressed to (greeting, language): the first of
        the customer's email recipients, else the customer itself."""
        self.ensure_one()
        return self._credit_email_recipients()[:1] or self

    def _credit_email_recipients(self):
        """The one rule of who receives the customer's collection emails:
        its billing contacts (invoice addresses with an email that does not
        bounce), else the customer when its email does not bounce; empty
        when nobody can be emailed."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        billing = commercial.child_ids.filtered(
            lambda child: child.type == "invoice"
            and child.email
            and not child.message_bounce
        )
        return billing or commercial.filtered(
            lambda partner: partner.email and not partner.message_bounce
        )

    def _credit_invoice_address(self):
        """Where the customer's letters go: its invoice address, else the
        customer itself."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        return (
            commercial.child_ids.filtered(lambda child: child.type == "invoice")[:1]
            or commercial
        )

    def _credit_collector(self, fallback_user=None):
        """Who signs the customer's letters and calls it: its collector, else
        its salesperson, else the given user, else the company's collections
        user; the first of them who is a person (never OdooBot, the user
        running the job or a portal user). Empty when none is set: the
        notices needing a signature or a call then wait for validation."""
        self.ensure_one()
        # Also for whoever acts for the customer (portal): the collector is
        # credit data, read as superuser.
        partner = self.sudo()
        candidates = (
            partner.credit_collector_id,
            partner.user_id,
            fallback_user or self.env["res.users"],
            partner.env.company.credit_fallback_user_id,
        )
        user = next(
            (user for user in candidates if user._credit_is_person()),
            self.env["res.users"],
        )
        return user.with_env(self.env)

    def _credit_customer_number(self):
        """The customer number printed on letters: the customer's reference
        (never the database id). Read only: printing writes nothing."""
        self.ensure_one()
        return self.commercial_partner_id.sudo().ref or False

    def _credit_assign_customer_numbers(self):
        """Give the customers without reference one from the
        ``credit.customer.ref`` sequence, kept as their reference: done by
        the engine when their first notice (or statement) is created, never
        while a letter is rendered."""
        missing = self.commercial_partner_id.sudo().filtered(lambda p: not p.ref)
        if not missing:
            return
        numbers = self.env["ir.sequence"]._credit_next_by_code_batch(
            "credit.customer.ref", self.env.company, len(missing)
        )
        # Each write syncs the partner's contacts (Odoo's
        # _commercial_sync_to_children reads their contacts and users): read
        # them for all the partners at once, not two queries per partner.
        missing.child_ids.mapped("child_ids")
        missing.child_ids.mapped("user_ids")
        for partner, number in zip(missing, numbers, strict=True):
            partner.ref = number

    def _credit_reset_level_if_nothing_due(self):
        """Customers of the current company with nothing overdue go back to no
        level, so that their next late invoice starts from the first step."""
        company = self.env.company
        today = fields.Date.context_today(self)
        still_due = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", self.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", today),
                ("move_id.payment_state", "in", OPEN_PAYMENT_STATES),
            ],
            ["partner_id"],
        )
        due_partners = self.browse()
        for (partner,) in still_due:
            due_partners |= partner.commercial_partner_id
        # Bookkeeping of the engine, done for whoever registered the payment
        # (who may not read dunning levels).
        if self - due_partners:
            Level = self.env["credit.dunning.level"].sudo()
            Level._credit_set_partner_levels(
                company,
                Level._credit_partner_level_values(
                    dict.fromkeys((self - due_partners).ids)
                ),
            )

    def _credit_get_debtor_type(self):
        """'business' or 'consumer', read on the commercial partner."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if partner.credit_debtor_type in ("business", "consumer"):
            return partner.credit_debtor_type
        return "business" if partner.is_company else "consumer"
