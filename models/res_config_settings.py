from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_default_scenario_id = fields.Many2one(
        related="company_id.credit_default_scenario_id", readonly=False
    )
    credit_fallback_user_id = fields.Many2one(
        related="company_id.credit_fallback_user_id", readonly=False
    )
    credit_payment_deadline_days = fields.Integer(
        related="company_id.credit_payment_deadline_days", readonly=False
    )
    credit_dunning_batch_size = fields.Integer(
        related="company_id.credit_dunning_batch_size", readonly=False
    )

    credit_block_mode = fields.Selection(
        related="company_id.credit_block_mode", readonly=False
    )
    credit_risk_weight_days_late = fields.Float(
        related="company_id.credit_risk_weight_days_late", readonly=False
    )
    credit_risk_weight_trend = fields.Float(
        related="company_id.credit_risk_weight_trend", readonly=False
    )
    credit_risk_weight_late_share = fields.Float(
        related="company_id.credit_risk_weight_late_share", readonly=False
    )
    credit_risk_weight_overdue_ratio = fields.Float(
        related="company_id.credit_risk_weight_overdue_ratio", readonly=False
    )
    credit_risk_weight_limit_usage = fields.Float(
        related="company_id.credit_risk_weight_limit_usage", readonly=False
    )
    credit_risk_weight_relationship_age = fields.Float(
        related="company_id.credit_risk_weight_relationship_age", readonly=False
    )
    credit_risk_weight_broken_promises = fields.Float(
        related="company_id.credit_risk_weight_broken_promises", readonly=False
    )
    credit_risk_weight_open_disputes = fields.Float(
        related="company_id.credit_risk_weight_open_disputes", readonly=False
    )
    credit_risk_days_late_full = fields.Integer(
        related="company_id.credit_risk_days_late_full", readonly=False
    )
    credit_risk_trend_tolerance = fields.Integer(
        related="company_id.credit_risk_trend_tolerance", readonly=False
    )
    credit_risk_age_full_months = fields.Integer(
        related="company_id.credit_risk_age_full_months", readonly=False
    )
    credit_interest_account_id = fields.Many2one(
        related="company_id.credit_interest_account_id", readonly=False
    )
    credit_fee_account_id = fields.Many2one(
        related="company_id.credit_fee_account_id", readonly=False
    )
    credit_plan_grace_days = fields.Integer(
        related="company_id.credit_plan_grace_days", readonly=False
    )

    credit_cost_email = fields.Monetary(
        related="company_id.credit_cost_email", readonly=False
    )
    credit_cost_letter = fields.Monetary(
        related="company_id.credit_cost_letter", readonly=False
    )
    credit_cost_call = fields.Monetary(
        related="company_id.credit_cost_call", readonly=False
    )
    credit_cost_sms = fields.Monetary(
        related="company_id.credit_cost_sms", readonly=False
    )
    credit_cost_agency = fields.Monetary(
        related="company_id.credit_cost_agency", readonly=False
    )
    credit_cost_legal = fields.Monetary(
        related="company_id.credit_cost_legal", readonly=False
    )
    credit_plan_portal_auto_approve = fields.Boolean(
        related="company_id.credit_plan_portal_auto_approve", readonly=False
    )
    credit_plan_ungraded_max_installments = fields.Integer(
        related="company_id.credit_plan_ungraded_max_installments", readonly=False
    )
    credit_plan_portal_max_installments = fields.Integer(
        related="company_id.credit_plan_portal_max_installments", readonly=False
    )
    credit_portal_link_days = fields.Integer(
        related="company_id.credit_portal_link_days", readonly=False
    )
    credit_portal_max_days = fields.Integer(
        related="company_id.credit_portal_max_days", readonly=False
    )
