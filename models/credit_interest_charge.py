from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .credit_engine import check_engine_fields, engine_allowed

# What was charged is recorded by the charging itself, never by hand: a
# forged period end would skip interest or charge it twice.
ENGINE_FIELDS = (
    "source_move_id",
    "charge_move_id",
    "company_id",
    "partner_id",
    "date_from",
    "date_to",
    "days",
    "interest_amount",
    "indemnity_amount",
)


class CreditInterestCharge(models.Model):
    """What was invoiced for one late invoice: the interest of a period and,
    once per invoice, the fixed recovery indemnity. The next charge starts
    the day after ``date_to``, so a period is never charged twice.
    Charges of a cancelled interest invoice no longer count; deleting a
    draft interest invoice deletes its charges."""

    _name = "credit.interest.charge"
    _description = "Late Interest Charge"
    _order = "source_move_id, date_to desc, id desc"
    _check_company_auto = True

    source_move_id = fields.Many2one(
        "account.move",
        string="Late Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Interest Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="source_move_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="source_move_id.commercial_partner_id", string="Customer", store=True
    )
    currency_id = fields.Many2one(related="source_move_id.currency_id", store=True)
    date_from = fields.Date(string="Interest From")
    date_to = fields.Date(
        string="Interest Until",
        help="Last day of interest charged (included).",
    )
    days = fields.Integer()
    interest_amount = fields.Monetary(string="Interest")
    indemnity_amount = fields.Monetary(string="Recovery Indemnity")
    state = fields.Selection(related="charge_move_id.state", string="Status")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_engine_fields(self, vals, ENGINE_FIELDS)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        """A charge of a posted interest invoice is what was charged: deleting
        it would charge the period again."""
        if not engine_allowed(self.env) and any(
            charge.sudo().charge_move_id.state == "posted" for charge in self
        ):
            raise AccessError(
                self.env._(
                    "The charges of a posted interest invoice cannot be deleted."
                )
            )

    @api.model
    def _credit_get_previous(self, moves):
        """Last interest day charged and whether the indemnity was charged,
        per source invoice, ignoring cancelled interest invoices."""
        groups = self._read_group(
            [
                ("source_move_id", "in", moves.ids),
                ("charge_move_id.state", "!=", "cancel"),
            ],
            ["source_move_id"],
            ["date_to:max", "indemnity_amount:sum"],
        )
        return {
            move.id: (date_to, bool(indemnity)) for move, date_to, indemnity in groups
        }

    @api.model
    def _credit_charge_invoices(self, moves, as_of_date):
        """Create one draft customer invoice per customer and currency with,
        per late invoice of ``moves``, a line for the interest not charged yet
        (up to ``as_of_date``) and a line for the recovery indemnity if not
        charged yet. Returns the charges created.

        :raise UserError: nothing left to charge
        """
        if not moves:
            return self
        # Two users charging the same invoices at once must not both see
        # "not charged yet": serialize on the source invoices.
        self.env.cr.execute(
            SQL(
                "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE",
                tuple(moves.ids),
            )
        )
        previous = self._credit_get_previous(moves)
        charged_until = {
            move_id: date_to for move_id, (date_to, _) in previous.items() if date_to
        }
        interests = moves._credit_late_interest(as_of_date, charged_until=charged_until)
        indemnities = moves._credit_recovery_indemnity(as_of_date=as_of_date)
        to_charge = defaultdict(list)
        for move in moves:
            interest = interests[move]
            indemnity = 0.0
            if not previous.get(move.id, (False, False))[1]:
                indemnity = indemnities[move]
            currency = move.currency_id
            if currency.is_zero(interest["amount"]) and currency.is_zero(indemnity):
                continue
            key = (move.company_id, move.commercial_partner_id, currency)
            to_charge[key].append((move, interest, indemnity))
        if not to_charge:
            raise UserError(
                self.env._(
                    "Nothing to invoice: the selected invoices bear no late "
                    "interest or indemnity that is not invoiced yet (check the "
                    "interest policy of their dunning scenario)."
                )
            )
        charges = self
        for (company, partner, currency), items in to_charge.items():
            charges |= self._credit_create_charge_invoice(
                company, partner, currency, items, as_of_date
            )
        return charges

    @api.model
    def _credit_create_charge_invoice(self, company, partner, currency, items, date):
        interest_product = self.env.ref("credit_collection.product_late_interest")
        indemnity_product = self.env.ref("credit_collection.product_recovery_indemnity")
        interest_account = company._credit_charge_account("interest")
        fee_account = company._credit_charge_account("fee")
        line_commands = []
        for move, interest, indemnity in items:
            if not currency.is_zero(interest["amount"]):
                line_commands.append(
                    Command.create(
                        {
                            "product_id": interest_product.id,
                            "name": self.env._(
                                "Late interest on %(invoice)s from %(date_from)s "
                                "to %(date_to)s (%(days)s days)",
                                invoice=move.name,
                                date_from=interest["date_from"],
                                date_to=interest["date_to"],
                                days=interest["days"],
                            ),
                            "quantity": 1.0,
                            "price_unit": interest["amount"],
                            "tax_ids": [Command.clear()],
                            **(
                                {"account_id": interest_account.id}
                                if interest_account
                                else {}
                            ),
                        }
                    )
                )
            if not currency.is_zero(indemnity):
                line_commands.append(
                    Command.create(
                        {
                            "product_id": indemnity_product.id,
                            "name": self.env._(
                                "Fixed recovery indemnity on %(invoice)s "
                                "(Code de commerce L441-10, D441-5)",
                                invoice=move.name,
                            ),
                            "quantity": 1.0,
                            "price_unit": indemnity,
                            "tax_ids": [Command.clear()],
                            **({"account_id": fee_account.id} if fee_account else {}),
                        }
                    )
                )
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "invoice_date": date,
                    "invoice_origin": ", ".join(move.name for move, _i, _d in items),
                    "invoice_line_ids": line_commands,
                }
            )
        )
        self.check_access("create")
        return (
            self.sudo()
            .create(
                [
                    {
                        "source_move_id": move.id,
                        "charge_move_id": invoice.id,
                        "date_from": interest["date_from"] or False,
                        "date_to": interest["date_to"] or False,
                        "days": interest["days"],
                        "interest_amount": interest["amount"],
                        "indemnity_amount": indemnity,
                    }
                    for move, interest, indemnity in items
                ]
            )
            .with_env(self.env)
        )
