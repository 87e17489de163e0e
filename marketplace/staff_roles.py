"""Staff roles: three Django groups and what each may do, written here once as code.

- **support** looks at people, shops, products, orders and reviews and moderates them (approves or
  suspends a shop, hides a product or a review, resends a receipt) without editing them. It moves no money: no
  cancellations (a cancellation refunds), and it doesn't see the ledger, reconciliation or payment logs.
- **finance** sees everything money touches (payments, refunds, ledger, reconciliation, disputes,
  transfers) and refunds and cancels orders.
- **admin** holds every permission there is.

A rule is ``"app_label.codename"`` with shell-style wildcards, matched against every permission in the
database, so models an app adds later join the roles its rules describe. ``staff_roles_sync`` sets the
three groups to exactly these rules (an edit made by hand to one of them is undone at the next sync; make
a group of another name for one-off sets). It runs in the data migration that creates the groups and,
while that migration is applied, after every ``migrate`` (``MarketplaceConfig.ready``), when new models
have their permissions.

Strings only: the core names the apps' permissions but imports none of them.
"""

from fnmatch import fnmatchcase

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

# The apps of this project (``accounts`` is marketplace.accounts); the roles never reach Django's own
# auth tables (groups, permissions) nor allauth's: who holds which role is an admin's decision.
OUR_APPS = ("accounts", "marketplace", "vendors", "catalog", "checkout", "orders", "reviews")

# Money records support may not read (a refund row on an order is part of the order, so it may).
_MONEY_RECORDS = (
    "orders.view_ledgerentry",
    "orders.view_reconciliationissue",
    "orders.view_connectincident",
    "checkout.view_paymentrecord",
    "marketplace.view_stripeevent",
    "accounts.view_apitoken",
)

ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "support": {
        "allow": (
            *(f"{app}.view_*" for app in OUR_APPS),
            "vendors.review_vendor",  # approve / suspend, without editing the shop
            "catalog.hide_product",  # hide / unhide, without editing the product
            "reviews.change_review",  # hide / restore (a review's own fields are read-only to staff)
            "checkout.resend_receipt",
        ),
        "deny": _MONEY_RECORDS,
    },
    "finance": {
        "allow": (
            *(f"{app}.view_*" for app in OUR_APPS),
            "orders.refund_order",
            "orders.cancel_order",
            "orders.add_orderrefund",
            "orders.change_dispute",
            "orders.change_reconciliationissue",
            "orders.change_connectincident",
            "checkout.change_followup",  # transfers and emails that failed for good
            "checkout.resend_receipt",
            "marketplace.change_stripeevent",  # reprocess a webhook event that failed (the operations page)
        ),
        "deny": ("accounts.view_apitoken",),  # people's API keys are nobody's business but an admin's
    },
    "admin": {"allow": ("*",), "deny": ()},
}


def role_codenames(role: str, available: list[str]) -> set[str]:
    """The ``app_label.codename`` strings of ``available`` that ``role`` holds."""
    rules = ROLES[role]
    allowed = {name for name in available if any(fnmatchcase(name, rule) for rule in rules["allow"])}
    return {name for name in allowed if not any(fnmatchcase(name, rule) for rule in rules["deny"])}


def staff_roles_sync(
    *, apps=global_apps, using: str = DEFAULT_DB_ALIAS, make_permissions: bool = True
) -> dict[str, int]:
    """Create the three groups if missing and give each exactly its permissions. Idempotent.

    Makes the permissions of every installed model first (Django would only after the whole
    ``migrate``), so it works inside a migration with that migration's ``apps``; at the end of
    ``migrate`` Django has made them already (``make_permissions=False``).
    Returns how many permissions each group holds.
    """
    from django.contrib.auth.management import create_permissions

    # create_permissions takes the installed app and reads its models from ``apps`` (a migration's own state).
    for app_config in global_apps.get_app_configs() if make_permissions else ():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    held = {}
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        names = role_codenames(role, list(by_name))
        group.permissions.set([by_name[name] for name in names])
        held[role] = len(names)
    return held


def staff_roles_remove(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Undo: delete the three groups (their members keep their accounts, and lose the role)."""
    apps.get_model("auth", "Group").objects.using(using).filter(name__in=list(ROLES)).delete()


def roles_migration_applied(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the migration that makes the roles is applied (found by its name's end: numbers get renumbered)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder(connections[using]).applied_migrations()
    return any(app == "marketplace" and name.endswith("_staff_roles") for app, name in applied)


def sync_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, plan=None, **kwargs) -> None:
    """post_migrate receiver: once per ``migrate`` (or ``flush``), after the last app, with what was built.

    While the roles' migration is applied, the groups are made again if missing (``flush``, as tests do,
    empties every table but the migration record); once it is reversed they stay gone.
    """
    # Django sends it once per app with models, in INSTALLED_APPS order.
    if sender.label != [c for c in global_apps.get_app_configs() if c.models_module is not None][-1].label:
        return
    try:
        apps.get_model("auth", "Group")
    except LookupError:
        return
    if roles_migration_applied(using):
        # Django's own receiver made every app's permissions before this one (the last app) ran.
        staff_roles_sync(apps=apps, using=using, make_permissions=False)
