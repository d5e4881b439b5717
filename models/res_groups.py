from odoo import Command, api, models

from ..compat import GROUPS_FIELD, set_groups_application


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _credit_set_application(self):
        """Called by the groups data file: how a group joins its application
        differs between Odoo series (compat.set_groups_application)."""
        set_groups_application(
            self.env.ref("credit_collection.group_credit_controller")
            | self.env.ref("credit_collection.group_credit_manager"),
            self.env.ref("credit_collection.module_category_credit_collection"),
            "credit_collection.res_groups_privilege_credit_collection",
        )

    @api.model
    def _credit_set_groups(self, record_xmlid, group_xmlids):
        """Called by data files to give an action, a report or a user its
        groups: the field is named differently on each series."""
        groups = [self.env.ref(xmlid).id for xmlid in group_xmlids]
        self.env.ref(record_xmlid).write({GROUPS_FIELD: [Command.set(groups)]})
