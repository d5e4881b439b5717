from odoo import api, fields, models


class CreditDunningLevel(models.Model):
    """One step of a dunning scenario, reached a number of days after (or,
    when negative, before) an invoice's due date."""

    _name = "credit.dunning.level"
    _description = "Dunning Level"
    _order = "scenario_id, days_offset, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    scenario_id = fields.Many2one(
        "credit.dunning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="scenario_id.company_id", store=True, index=True
    )
    days_offset = fields.Integer(
        string="Days from Due Date",
        required=True,
        help="Days after the due date at which this level is reached; "
        "a negative number sends it before the due date.",
    )

    _sql_constraints = [
        (
            "days_offset_unique",
            "unique(scenario_id, days_offset)",
            "Two levels of the same scenario cannot be reached on the same day.",
        ),
    ]

    @api.depends("name", "days_offset")
    def _compute_display_name(self):
        for level in self:
            sign = "+" if level.days_offset >= 0 else ""
            level.display_name = f"{level.name} ({sign}{level.days_offset})"
