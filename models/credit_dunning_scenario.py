from odoo import api, fields, models


class CreditDunningScenario(models.Model):
    """A collection policy: the ordered steps a customer goes through when it
    does not pay. Shared by all companies when no company is set."""

    _name = "credit.dunning.scenario"
    _description = "Dunning Scenario"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the scenario between all companies.",
    )
    description = fields.Text(translate=True)
    level_ids = fields.One2many(
        "credit.dunning.level", "scenario_id", string="Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_count")

    @api.depends("level_ids")
    def _compute_level_count(self):
        for scenario in self:
            scenario.level_count = len(scenario.level_ids)
