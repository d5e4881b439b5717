import csv
import io

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr

from ..tools.receivable import CUSTOMER_INVOICE_TYPES, OPEN_PAYMENT_STATES

# Declared to the insurer: the states after the draft.
DECLARED_STATES = ("declared", "claimed", "indemnified", "closed")
# The export's columns (fixed names: insurers' import templates map them).
CSV_COLUMNS = (
    "policy",
    "declaration",
    "declaration_date",
    "debtor",
    "debtor_ref",
    "debtor_siren",
    "debtor_siret",
    "debtor_vat",
    "debtor_address",
    "invoice",
    "invoice_date",
    "due_date",
    "declaration_deadline",
    "declared_late",
    "currency",
    "amount_total",
    "amount_residual",
    "reminders",
)


class CreditInsuranceDeclaration(models.Model):
    """The declaration of a customer's overdue invoices to the insurer
    (threat of loss, then claim): what was declared, when, under which
    insurer reference, and what the insurer paid. An invoice declared after
    its deadline has lost its cover: the declaration lists it."""

    _name = "credit.insurance.declaration"
    _description = "Credit Insurance Declaration"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    # === FIELDS === #

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    policy_id = fields.Many2one(
        "credit.insurance.policy",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        related="policy_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="policy_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
        tracking=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "credit_insurance_declaration_account_move_rel",
        "declaration_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('state', '=', 'posted'),"
        f" ('move_type', 'in', {CUSTOMER_INVOICE_TYPES})]",
    )
    date = fields.Date(
        string="Declaration Date",
        tracking=True,
        help="The day the insurer received the declaration.",
    )
    insurer_reference = fields.Char(tracking=True)
    amount_declared = fields.Monetary(
        compute="_compute_amount_declared",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="In the policy's currency: by default what the invoices still owe.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("declared", "Declared"),
            ("claimed", "Claimed"),
            ("indemnified", "Indemnified"),
            ("closed", "Closed"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    claim_date = fields.Date(
        compute="_compute_claim_date",
        store=True,
        string="Claim Deadline",
        help="Last day to file the claim: the policy's claim days after the "
        "declaration.",
    )
    amount_indemnified = fields.Monetary(tracking=True)
    late_move_ids = fields.Many2many(
        "account.move",
        compute="_compute_late_move_ids",
        string="Declared Late",
        help="Invoices declared after their declaration deadline: their cover "
        "is lost.",
    )
    note = fields.Text()

    # === COMPUTE METHODS === #

    @api.depends("move_ids", "policy_id", "date")
    def _compute_amount_declared(self):
        for declaration in self:
            company = declaration.company_id or self.env.company
            currency = declaration.currency_id or company.currency_id
            residual = sum(declaration.move_ids.mapped("amount_residual_signed"))
            declaration.amount_declared = company.currency_id._convert(
                residual,
                currency,
                company,
                declaration.date or fields.Date.context_today(self),
            )

    @api.depends("date", "policy_id.claim_days")
    def _compute_claim_date(self):
        for declaration in self:
            declaration.claim_date = declaration.date and fields.Date.add(
                declaration.date, days=declaration.policy_id.claim_days
            )

    @api.depends("move_ids", "date", "state")
    def _compute_late_move_ids(self):
        deadlines = self._credit_deadlines()
        for declaration in self:
            declaration.late_move_ids = declaration.move_ids.filtered(
                lambda move, d=declaration: d.date
                and move.id in deadlines
                and deadlines[move.id].declaration_deadline < d.date
            )

    # === CONSTRAINT METHODS === #

    @api.constrains("move_ids", "partner_id", "state", "date")
    def _check_declaration(self):
        today = fields.Date.context_today(self)
        for declaration in self:
            partner = declaration.partner_id.commercial_partner_id
            foreign = declaration.move_ids.filtered(
                lambda move, p=partner: move.commercial_partner_id != p
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Invoices %(invoices)s are not %(partner)s's.",
                        invoices=", ".join(foreign.mapped("name")),
                        partner=partner.display_name,
                    )
                )
            if declaration.date and declaration.date > today:
                raise ValidationError(
                    self.env._("A declaration cannot be dated in the future.")
                )
            if declaration.state == "draft":
                continue
            twice = self.search(
                [
                    ("id", "!=", declaration.id),
                    ("state", "in", DECLARED_STATES),
                    ("move_ids", "in", declaration.move_ids.ids),
                ],
                limit=1,
            )
            if twice:
                raise ValidationError(
                    self.env._(
                        "These invoices are already declared in %(declaration)s.",
                        declaration=twice.name,
                    )
                )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        declarations = super().create(vals_list)
        for declaration in declarations.filtered(lambda d: d.name == "/"):
            declaration.name = (
                self.env["ir.sequence"]
                .with_company(declaration.company_id)
                .next_by_code("credit.insurance.declaration")
                or "/"
            )
        return declarations

    # === ACTION METHODS === #

    def action_declare(self):
        """Record that the insurer received the declaration (today unless a
        date was typed)."""
        for declaration in self:
            if declaration.state != "draft":
                raise UserError(
                    self.env._("%(name)s is already declared.", name=declaration.name)
                )
            if not declaration.move_ids:
                raise UserError(self.env._("Choose the overdue invoices to declare."))
            paid = declaration.move_ids.filtered(
                lambda move: move.payment_state not in OPEN_PAYMENT_STATES
            )
            if paid:
                raise UserError(
                    self.env._(
                        "%(invoices)s: nothing is left to pay, there is no unpaid "
                        "amount to declare.",
                        invoices=", ".join(paid.mapped("name")),
                    )
                )
            declaration.write(
                {
                    "state": "declared",
                    "date": declaration.date or fields.Date.context_today(self),
                }
            )
        late = self.filtered("late_move_ids")
        for declaration in late:
            declaration.message_post(
                body=self.env._(
                    "Declared after the deadline, the cover of %(invoices)s is lost.",
                    invoices=", ".join(declaration.late_move_ids.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
        # The alerts of the declared invoices are done.
        alert = self.env.ref(
            "credit_collection.mail_activity_type_insurance_declaration"
        )
        self.move_ids.activity_ids.filtered(
            lambda activity: activity.activity_type_id == alert
        ).action_feedback(feedback=self.env._("Declared to the insurer."))

    def action_claim(self):
        self._credit_move_to("claimed", ("declared",))

    def action_indemnified(self):
        self._credit_move_to("indemnified", ("claimed",))

    def action_close(self):
        self._credit_move_to("closed", DECLARED_STATES)

    def action_reset_draft(self):
        self._credit_move_to("draft", ("declared",))

    def _credit_move_to(self, state, from_states):
        for declaration in self:
            if declaration.state not in from_states:
                raise UserError(
                    self.env._(
                        "%(name)s cannot go from %(from)s to %(to)s.",
                        name=declaration.name,
                        **{
                            "from": dict(
                                self._fields["state"]._description_selection(self.env)
                            )[declaration.state],
                            "to": dict(
                                self._fields["state"]._description_selection(self.env)
                            )[state],
                        },
                    )
                )
        self.write({"state": state})

    def action_export_csv(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.name.replace('/', '_')}.csv",
                "raw": self._credit_csv_content(),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "text/csv",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # === BUSINESS METHODS === #

    def _credit_deadlines(self):
        """{move id: deadline row} of the invoices of these declarations."""
        moves = self.move_ids._origin
        if not moves:
            return {}
        rows = self.env["credit.insurance.deadline"]._credit_rows(moves)
        return {row.move_id.id: row for row in rows}

    def _credit_export_data(self):
        """What the insurer asks of a declaration, as plain values: the
        creditor and the debtor (identity with SIREN, the case file's
        ``_credit_party``), each invoice with amounts, currency, due date
        and deadline, and the reminders sent for these invoices (date,
        level)."""
        self.ensure_one()
        builder = self.env["credit.case.file.builder"]
        company = self.company_id
        partner = self.partner_id.commercial_partner_id
        deadlines = self._credit_deadlines()
        invoices = []
        for move in self.move_ids.sorted(lambda m: (m.invoice_date_due, m.name)):
            deadline = deadlines.get(move.id)
            invoices.append(
                {
                    "number": move.name,
                    "invoice_date": move.invoice_date,
                    "due_date": deadline.due_date
                    if deadline
                    else move.invoice_date_due,
                    "deadline": deadline.declaration_deadline if deadline else False,
                    "late": move in self.late_move_ids,
                    "currency": move.currency_id,
                    "amount_total": move.amount_total,
                    "residual": move.amount_residual,
                }
            )
        notices = (
            self.env["credit.notice.line"]
            .search([("move_id", "in", self.move_ids.ids)])
            .notice_id
        )
        reminders = [
            row
            for row in builder._credit_reminder_rows(partner, company)
            if row["notice_id"] in notices.ids
        ]
        return {
            "creditor": builder._credit_party(company.partner_id, company),
            "debtor": builder._credit_party(partner, company),
            "invoices": invoices,
            "reminders": reminders,
        }

    def _credit_csv_content(self):
        """One row per declared invoice, the debtor's identity on each:
        ``;`` separated, decimal comma, ISO dates, UTF-8 with a byte order
        mark (as the case file's CSV)."""
        self.ensure_one()
        data = self._credit_export_data()
        debtor = data["debtor"]

        def day(value):
            return fields.Date.to_string(value) if value else ""

        def amount(value, currency):
            return float_repr(value, currency.decimal_places).replace(".", ",")

        reminders = ", ".join(
            f"{day(row['date'])} {row['level']}" for row in data["reminders"]
        )
        output = io.StringIO()
        writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in data["invoices"]:
            writer.writerow(
                [
                    self.policy_id.number,
                    self.insurer_reference or self.name,
                    day(self.date),
                    debtor["name"],
                    debtor["ref"],
                    debtor["siren"],
                    debtor["siret"],
                    debtor["vat"],
                    " ".join(debtor["address"].split()),
                    row["number"],
                    day(row["invoice_date"]),
                    day(row["due_date"]),
                    day(row["deadline"]),
                    int(row["late"]),
                    row["currency"].name,
                    amount(row["amount_total"], row["currency"]),
                    amount(row["residual"], row["currency"]),
                    reminders,
                ]
            )
        return output.getvalue().encode("utf-8-sig")
