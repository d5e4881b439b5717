from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists


class CreditRecoveryAnalysis(models.Model):
    """What each dunning step gets paid, one row per payment applied to a
    dunned invoice (a SQL view): the pivot and graph of the amounts
    recovered per scenario, level, channel and month."""

    _name = "credit.recovery.analysis"
    _description = "Recovery per Dunning Step"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "move_id"
    # Flushed before the view is read.
    _depends = {
        "account.partial.reconcile": [
            "amount",
            "company_id",
            "credit_move_id",
            "debit_move_id",
            "max_date",
        ],
        "account.move.line": ["move_id", "partner_id"],
        "account.move": ["move_type"],
        "credit.notice": ["date", "level_id", "state", "user_id"],
        "credit.notice.line": ["move_id", "notice_id"],
        "credit.dunning.level": [
            "create_activity",
            "escalation_stage",
            "print_letter",
            "scenario_id",
            "send_email",
            "send_sms",
        ],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(string="Payment Date", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    notice_id = fields.Many2one(
        "credit.notice",
        string="Last Notice",
        readonly=True,
        help="The last notice sent for the invoice before the payment: the "
        "step credited with it.",
    )
    scenario_id = fields.Many2one("credit.dunning.scenario", readonly=True)
    level_id = fields.Many2one("credit.dunning.level", readonly=True)
    user_id = fields.Many2one("res.users", string="Collector", readonly=True)
    channel = fields.Selection(
        [
            ("email", "Email"),
            ("sms", "SMS"),
            ("call", "Call"),
            ("letter", "Letter"),
            ("agency", "Collection agency"),
            ("legal", "Legal action"),
            ("none", "None"),
        ],
        string="Main Channel",
        readonly=True,
        help="The strongest action of the step: hand-off, printed letter, "
        "call, SMS, then email.",
    )
    amount = fields.Monetary(string="Recovered", readonly=True, aggregator="sum")

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self.env["credit.collection.kpi"]._credit_recovered_query(),
            )
        )
