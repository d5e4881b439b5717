from odoo import SUPERUSER_ID, models


class ResUsers(models.Model):
    _inherit = "res.users"

    def _credit_is_person(self):
        """Whether this user can sign a dunning letter or make a call: one
        active internal user, never OdooBot (the superuser) or a portal
        user."""
        return (
            len(self) == 1
            and self.id != SUPERUSER_ID
            and self.active
            and not self.share
        )
