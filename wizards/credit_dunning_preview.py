from odoo import api, fields, models


class CreditDunningPreview(models.TransientModel):
    """Dry run: what the scheduled action would send on a given date, with
    the current scenarios, without creating or sending anything."""

    _name = "credit.dunning.preview"
    _description = "Dunning Dry Run"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    line_ids = fields.One2many(
        "credit.dunning.preview.line", "preview_id", string="Would Send", readonly=True
    )
    notice_count = fields.Integer(compute="_compute_totals")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Monetary(compute="_compute_totals")

    @api.depends("line_ids")
    def _compute_totals(self):
        for preview in self:
            preview.notice_count = len(preview.line_ids)
            preview.amount_total = sum(preview.line_ids.mapped("amount_company"))

    def action_compute(self):
        self.ensure_one()
        plans = self.env["credit.dunning.run"]._credit_preview(
            self.company_id, self.date
        )
        self.line_ids = [fields.Command.clear()] + [
            fields.Command.create(
                {
                    "partner_id": plan["partner"].id,
                    "scenario_id": plan["scenario"].id,
                    "level_id": plan["level"].id,
                    "move_ids": [item["move_id"] for item in plan["items"]],
                    "currency_id": plan["currency"].id,
                    "amount": sum(item["residual_currency"] for item in plan["items"]),
                    "amount_company": sum(item["residual"] for item in plan["items"]),
                    "max_days_overdue": max(
                        item["days_overdue"] for item in plan["items"]
                    ),
                    "actions": plan["level"]._credit_action_summary(),
                    "needs_validation": plan["level"].validation_required,
                }
            )
            for plan in plans
        ]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Dunning Dry Run"),
        }
