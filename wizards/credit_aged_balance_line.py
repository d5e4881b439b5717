from odoo import fields, models

from ..tools.aging import declare_bucket_fields


class CreditAgedBalanceLine(models.TransientModel):
    """One customer of an aged balance, as the wizard computed it: the rows
    of the list and pivot, filled by one INSERT ... SELECT."""

    _name = "credit.aged.balance.line"
    _description = "Aged Balance Line"
    _order = "amount_overdue desc, amount_total desc, id"

    wizard_id = fields.Many2one(
        "credit.aged.balance.wizard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True)
    grade_id = fields.Many2one("credit.risk.grade", string="Risk Grade", readonly=True)
    # amount_not_due, amount_1_30, ... amount_120_plus: the bucket table's.
    declare_bucket_fields(
        locals(), lambda label: fields.Monetary(string=label, readonly=True)
    )
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)
    amount_total = fields.Monetary(string="Total", readonly=True)

    def action_open_invoices(self):
        """Drill down: the receivable lines of this customer open on the
        aged balance's date."""
        self.ensure_one()
        wizard = self.wizard_id
        line_ids = self.env["credit.aged.balance"]._credit_aged_move_line_ids(
            wizard.date, self.company_id, self.partner_id.ids
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "%(partner)s on %(date)s",
                partner=self.partner_id.display_name,
                date=fields.Date.to_string(wizard.date),
            ),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("account.view_move_line_tree").id, "list"),
                (False, "form"),
            ],
            "domain": [("id", "in", line_ids)],
            "context": {"search_default_group_by_move": 0, "create": False},
        }
