from odoo import api, fields, models

SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_level_id = fields.Many2one(
        "credit.dunning.level",
        string="Dunning Level",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Highest dunning level this invoice has been through.",
    )
    credit_last_notice_id = fields.Many2one(
        "credit.notice", string="Last Notice", readonly=True, copy=False
    )
    credit_notice_line_ids = fields.One2many(
        "credit.notice.line", "move_id", string="Notice Lines", readonly=True
    )
    credit_notice_count = fields.Integer(compute="_compute_credit_notice_count")
    credit_formal_notice_date = fields.Date(
        string="Formal Notice Date",
        readonly=True,
        copy=False,
        help="Date of the first formal notice that listed this invoice.",
    )
    credit_paused_until = fields.Date(
        string="Dunning Paused Until",
        copy=False,
        tracking=True,
        help="No reminder is sent for this invoice until this date included.",
    )
    credit_excluded = fields.Boolean(
        string="Excluded from Dunning",
        copy=False,
        tracking=True,
    )
    credit_dispute_ids = fields.One2many(
        "credit.dispute", "move_id", string="Disputes", readonly=True
    )
    credit_disputed = fields.Boolean(
        string="Disputed", compute="_compute_credit_disputed"
    )

    @api.depends("credit_notice_line_ids")
    def _compute_credit_notice_count(self):
        counts = dict(
            self.env["credit.notice.line"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["notice_id:count_distinct"]
            )
        )
        for move in self:
            move.credit_notice_count = counts.get(move, 0)

    @api.depends("credit_dispute_ids.state")
    def _compute_credit_disputed(self):
        for move in self:
            move.credit_disputed = any(
                dispute.state == "open" for dispute in move.credit_dispute_ids
            )

    def action_credit_view_notices(self):
        self.ensure_one()
        notices = self.credit_notice_line_ids.notice_id
        return notices._get_records_action(name=self.env._("Notices"))

    def action_credit_open_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute"),
            "res_model": "credit.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _credit_paused_move_ids(self, date):
        """Ids of the invoices of ``self`` whose dunning is paused on ``date``:
        excluded or paused by hand, disputed, or covered by an open promise to
        pay. Other features (payment plans) add their own pauses here. A few
        queries per call, whatever the number of invoices."""
        paused = {
            move.id
            for move in self
            if move.credit_excluded
            or (move.credit_paused_until and move.credit_paused_until >= date)
        }
        disputes = (
            self.env["credit.dispute"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("state", "=", "open")], ["move_id"]
            )
        )
        paused.update(move.id for (move,) in disputes)
        promises = (
            self.env["credit.promise"]
            .sudo()
            .search(
                [
                    ("move_ids", "in", self.ids),
                    ("state", "=", "open"),
                    ("promise_date", ">=", date),
                ]
            )
        )
        paused.update(promises.move_ids.ids)
        return paused & set(self.ids)

    def _credit_settle(self):
        """Close what the payment of these invoices settles: disputes of paid
        invoices, notices whose invoices are all paid, kept promises, and the
        customer's dunning level when nothing is overdue any more."""
        settled = self.filtered(
            lambda move: move.is_sale_document(include_receipts=True)
            and move.payment_state in SETTLED_PAYMENT_STATES
        )
        if not settled:
            return
        disputes = (
            self.env["credit.dispute"]
            .sudo()
            .search([("move_id", "in", settled.ids), ("state", "=", "open")])
        )
        disputes._credit_close_paid()
        notices = (
            self.env["credit.notice"]
            .sudo()
            .search(
                [
                    ("line_ids.move_id", "in", settled.ids),
                    ("state", "in", ("to_validate", "sent")),
                ]
            )
        )
        notices._credit_mark_paid_if_settled()
        promises = (
            self.env["credit.promise"]
            .sudo()
            .search([("move_ids", "in", settled.ids), ("state", "=", "open")])
        )
        promises._credit_check_kept()
        partners = settled.commercial_partner_id
        for company in settled.company_id:
            partners.with_company(company)._credit_reset_level_if_nothing_due()
