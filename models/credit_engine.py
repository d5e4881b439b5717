"""Fields that only the module's actions change.

States, approvals, reached levels, schedules, stored letters... are set by
the buttons, wizards and scheduled actions after their own checks, never by
a direct ``write``/``create`` (a form, an import, JSON-RPC). The one way in
is superuser mode: the actions write these fields through ``sudo()`` once
they have checked who acts and what, and ``sudo()`` keeps the acting user
(``env.uid``) as author of the chatter and tracking. No request of a user
reaches superuser mode by itself, whatever its context. Administrators
(Settings) go through the same actions: whatever an administrator sends over
HTTP (a form, an import, JSON-RPC, a server action started from the
interface) is refused like anyone's; a repair by hand is code that says
``sudo()``. Server code outside any request (data files, ``odoo shell``,
the tests' fixtures, migration scripts) may still act as an administrator.
"""

from odoo.exceptions import AccessError
from odoo.http import request

# The layout of the emails the module sends customers (notices, statements,
# plans): transactional, without Odoo's "Powered by" and unfollow footer
# (views/mail_notification_credit.xml).
EMAIL_LAYOUT = "credit_collection.mail_notification_credit"

# Who may read a customer's or an invoice's collection file (score, grade and
# its reasons, exposure, scenario, collector, level, stage, pauses): credit
# controllers. Code reached by core flows for other users (credit check,
# payments) reads these fields with a narrow sudo().
CONTROLLER = "credit_collection.group_credit_controller"
# Who may read a customer's credit figures (limit, exposure, hold reason,
# grade): the groups of Odoo's own ``credit_limit`` field.
CREDIT_FIGURES_GROUPS = "account.group_account_invoice,account.group_account_readonly"


def engine_allowed(env):
    """Whether ``env`` may write the fields that actions own: superuser mode
    (the actions themselves), or an administrator's server code outside any
    HTTP request; never a request, whoever sends it."""
    return env.su or (not request and env.is_system())


def check_engine_fields(records, vals, names, initial=None):
    """Refuse the fields of ``names`` present in ``vals`` unless the engine
    writes them (``engine_allowed``). ``initial`` gives the values a record
    may be created with (``{"state": "draft"}``).

    :raise AccessError: naming the refused fields
    """
    if engine_allowed(records.env):
        return
    initial = initial or {}
    refused = {
        name
        for name in set(names) & set(vals)
        if name not in initial or vals[name] != initial[name]
    }
    if not refused:
        return
    labels = sorted(
        records._fields[name]._description_string(records.env) for name in refused
    )
    raise AccessError(
        records.env._(
            "%(fields)s of %(model)s change only through their actions (buttons, "
            "approvals, scheduled actions), not by a direct write.",
            fields=", ".join(labels),
            model=records._description,
        )
    )
