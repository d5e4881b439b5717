from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The risk engine and its nightly cron moved from ``res.partner`` to
    ``credit.risk.score``: point the cron (a noupdate record) at its new
    home."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("credit_collection.ir_cron_credit_compute_risk", False)
    if cron:
        cron.write(
            {
                "model_id": env["ir.model"]._get_id("credit.risk.score"),
                "code": "model._cron_compute_scores()",
            }
        )
