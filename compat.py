"""What differs between the two Odoo series the addon runs on, 18.0 and 19.0.

One home for version-specific code: each helper is named for what differs and
each branch says which series it serves, so that the rest of the addon reads
the same on both and the 18.0 branch can be dropped in one place later.
"""

import contextlib
import functools

from odoo import release

ODOO_SERIES = release.version_info[0]


def wkhtmltopdf_bin():
    """Path of the wkhtmltopdf binary Odoo itself uses."""
    from odoo.addons.base.models import ir_actions_report

    if ODOO_SERIES >= 19:  # 19.0: _wkhtml() returns a named tuple
        return ir_actions_report._wkhtml().bin
    return ir_actions_report._get_wkhtmltopdf_bin()  # 18.0


@contextlib.contextmanager
def wkhtmltopdf_reaches_test_server(test, report_module):
    """In the HttpCase ``test``, let the wkhtmltopdf processes that
    ``report_module._run_command`` runs side by side load the letters'
    assets from the test server."""
    if ODOO_SERIES < 19:  # 18.0: the test server answers them anyway
        yield
        return
    # 19.0: it answers only requests with the test's cookie, while the test
    # lock is released; HttpCase gives both to core's own runs only (its
    # patch of _run_wkhtmltopdf serves one process, in the test's thread).
    from unittest.mock import patch

    from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, release_test_lock

    run, key = report_module._run_command, "wkhtmltopdf"

    def run_with_cookie(command):
        return run([command[0], "--cookie", TEST_CURSOR_COOKIE_NAME, key, *command[1:]])

    with (
        patch.object(report_module, "_run_command", run_with_cookie),
        patch.object(test, "http_request_key", key),
        release_test_lock(),
    ):
        yield


if ODOO_SERIES >= 19:  # 19.0: SQL constraints are table objects of the model
    from odoo.models import Constraint
else:  # 18.0: the same declaration, written into the model's _sql_constraints

    class Constraint:
        """``_name = Constraint(definition, message)`` in a model's body, as
        on 19.0, declares the constraint ``<table>_name`` on 18.0 too."""

        def __init__(self, definition, message=""):
            self.definition = definition
            self.message = message

        def __set_name__(self, owner, name):
            owner._sql_constraints = [
                *owner.__dict__.get("_sql_constraints", []),
                (name.removeprefix("_"), self.definition, self.message),
            ]


def set_groups_application(groups, category, privilege_xmlid):
    """Put ``groups`` under the application ``category`` of the user form,
    so that an administrator picks one of them from one list."""
    if ODOO_SERIES >= 19:  # 19.0: groups belong to a privilege of the category
        privilege = groups.env["res.groups.privilege"]._load_records(
            [
                {
                    "xml_id": privilege_xmlid,
                    "values": {"name": category.name, "category_id": category.id},
                    "noupdate": False,
                }
            ]
        )
        groups.write({"privilege_id": privilege.id})
    else:  # 18.0: groups carry the category itself
        groups.write({"category_id": category.id})


def field_readable(model, field_name):
    """Whether the current user may read the field (its ``groups``)."""
    field = model._fields[field_name]
    if ODOO_SERIES >= 19:  # 19.0: the model decides, and may be overridden
        return model._has_field_access(field, "read")
    return field.is_accessible(model.env)  # 18.0


# The groups of a user, an action, a report or a menu.
GROUPS_FIELD = "group_ids" if ODOO_SERIES >= 19 else "groups_id"  # 19.0 / 18.0


def domain_and(*domains):
    """The conjunction of search domains."""
    if ODOO_SERIES >= 19:  # 19.0: domains are objects; odoo.osv is deprecated
        from odoo.fields import Domain

        return Domain.AND(domains)
    from odoo.osv import expression  # 18.0

    return expression.AND(domains)


# Accounts still in use: 19.0 archives them (active), 18.0 deprecates them.
ACCOUNT_IN_USE_DOMAIN = [] if ODOO_SERIES >= 19 else [("deprecated", "=", False)]


def notify_cron_progress(env, done, remaining):
    """Tell the scheduler how much of a batched job is done and left, so
    that it calls the job again while work remains."""
    if ODOO_SERIES >= 19:  # 19.0: progress is committed with the work
        if env.context.get("ir_cron_progress_id"):  # outside a cron: nothing
            env["ir.cron"]._commit_progress(done, remaining=remaining)
    else:  # 18.0: the scheduler commits after the call
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)


def partner_phone_numbers(partner):
    """The partner's phone numbers, mobile first (19.0 has one phone)."""
    numbers = [partner.phone]
    if ODOO_SERIES < 19:  # 18.0: a separate mobile number
        numbers.insert(0, partner.mobile)
    return [number for number in numbers if number]


def group_members(group):
    """The users who hold ``group``, directly or through an implying group."""
    if ODOO_SERIES >= 19:  # 19.0: implied membership is computed
        return group.all_user_ids
    return group.users  # 18.0: implied groups are written on the users


# The taxes of a sales order line.
SALE_LINE_TAXES = "tax_ids" if ODOO_SERIES >= 19 else "tax_id"  # 19.0 / 18.0


def when_registry_loaded(method):
    """Decorates a model method called from data files that needs the whole
    registry (loading a chart of accounts, and what is built on it)."""
    if ODOO_SERIES < 19:  # 18.0: charts load while the modules load
        return method

    # 19.0: try_loading warns before the registry is loaded; the call waits
    # for the end of the loading (run_registry_loaded_calls), as the chart
    # that 19's account installs by itself does.
    @functools.wraps(method)
    def deferred(self, *args):
        if self.env.registry.loaded:
            return method(self, *args)
        calls = self.env.registry.__dict__.setdefault("_credit_when_loaded", [])
        calls.append((self._name, method.__name__, args))
        return None

    return deferred


def run_registry_loaded_calls(env):
    """Makes the calls that ``when_registry_loaded`` kept, in their order
    (from ``_register_hook``, once the registry is loaded)."""
    for model, name, args in env.registry.__dict__.pop("_credit_when_loaded", []):
        getattr(env[model], name)(*args)
