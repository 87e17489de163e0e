"""The staff roles as groups: made by a migration (reversible), kept to their rules by an idempotent sync."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from marketplace.staff_roles import ROLES, staff_roles_sync, sync_after_migrate

pytestmark = pytest.mark.django_db

MONEY_MOVES = {"orders.refund_order", "orders.cancel_order", "orders.add_orderrefund"}


def _held(role: str) -> set[str]:
    perms = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def test_the_migration_made_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_support_reads_and_moderates_but_moves_no_money():
    held = _held("support")
    assert {"accounts.view_user", "orders.view_order", "reviews.view_review", "vendors.view_vendor"} <= held
    assert {"vendors.review_vendor", "catalog.hide_product", "reviews.change_review"} <= held
    # Moderating isn't editing: no changing a shop's details or a product's price.
    assert not {"vendors.change_vendor", "catalog.change_product"} & held
    assert "checkout.resend_receipt" in held
    assert not MONEY_MOVES & held
    assert not {"orders.view_ledgerentry", "checkout.view_paymentrecord", "marketplace.view_stripeevent"} & held
    # Changing people would let support give themselves a role: only admin may.
    assert not {"accounts.change_user", "auth.change_group", "auth.change_permission"} & held


def test_finance_moves_money_and_sees_its_records_but_moderates_nothing():
    held = _held("finance")
    assert held >= MONEY_MOVES
    assert {"orders.view_ledgerentry", "orders.view_reconciliationissue", "checkout.view_paymentrecord"} <= held
    assert not {"reviews.change_review", "vendors.review_vendor", "catalog.hide_product", "accounts.change_user"} & held
    assert "accounts.view_apitoken" not in held


def test_admin_holds_every_permission():
    assert _held("admin") == {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()}


def test_the_sync_is_idempotent_and_undoes_edits_made_by_hand():
    before = {role: _held(role) for role in ROLES}
    Group.objects.get(name="support").permissions.add(Permission.objects.get(codename="refund_order"))

    counts = staff_roles_sync()
    staff_roles_sync()

    assert {role: _held(role) for role in ROLES} == before
    assert counts == {role: len(before[role]) for role in ROLES}
    assert Group.objects.filter(name__in=list(ROLES)).count() == 3


def test_a_user_in_a_role_has_its_permissions(support, finance):
    assert support.has_perm("reviews.change_review") and not support.has_perm("orders.refund_order")
    assert finance.has_perm("orders.refund_order") and not finance.has_perm("reviews.change_review")


@pytest.mark.django_db(transaction=True)
def test_the_migration_is_reversible_and_can_be_applied_again():
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    roles = next(key for key in graph.nodes if key[0] == "marketplace" and key[1].endswith("staff_roles"))
    previous = next(parent.key for parent in graph.node_map[roles].parents if parent.key[0] == "marketplace")
    try:
        executor.migrate([previous])
        assert not Group.objects.filter(name__in=list(ROLES)).exists()
        last = [c for c in apps.get_app_configs() if c.models_module][-1]
        sync_after_migrate(sender=last)  # what `migrate` sends at its end
        assert not Group.objects.filter(name__in=list(ROLES)).exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # everything applied again, as the suite expects
    assert set(Group.objects.filter(name__in=list(ROLES)).values_list("name", flat=True)) == set(ROLES)
    assert "orders.refund_order" in _held("finance")


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_groups_and_the_end_of_it_makes_them_again():
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)  # as transactional tests do between tests
    assert _held("support") and "orders.refund_order" in _held("finance")
