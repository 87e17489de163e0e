"""Approve and suspend shops from the dashboard, by staff role: a reason on a page of its own, the service's
audit row, Django's admin log, one email to the owner; roles without the permission aren't offered it."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core import mail
from django.urls import reverse

from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(db):
    return VendorFactory(status=Vendor.Status.PENDING, name="Saltmarsh Ceramics")


def _changelist():
    return reverse("admin:vendors_vendor_changelist")


def _offered(client) -> set[str]:
    return set(re.findall(r'<option value="([a-z_]+)"', client.get(_changelist()).content.decode()))


def test_support_and_admin_are_offered_approve_and_suspend(client, support, admin_staff, pending):
    for person in (support, admin_staff):
        client.force_login(person)
        assert {"make_approved", "make_suspended"} <= _offered(client)


def test_finance_and_plain_staff_only_look(client, finance, staff, pending):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_vendor"))
    for person in (finance, staff):
        client.force_login(person)
        assert client.get(_changelist()).status_code == 200
        assert not {"make_approved", "make_suspended"} & _offered(client)
        data = {"action": "make_approved", "_selected_action": [pending.pk], "apply": "1", "reason": "forged"}
        client.post(_changelist(), data)
    pending.refresh_from_db()
    assert pending.status == "pending" and not pending.status_changes.exists() and not LogEntry.objects.exists()


def test_support_approves_with_a_reason_the_owner_reads_once(client, support, pending,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(support)
    step_one = client.post(_changelist(), {"action": "make_approved", "_selected_action": [pending.pk]})
    assert "give a reason" in step_one.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"

    data = {"action": "make_approved", "_selected_action": [pending.pk], "apply": "1", "reason": "Lovely glazes"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_changelist(), data)
        client.post(_changelist(), data)  # the page posted twice: the shop is approved already, nothing more

    pending.refresh_from_db()
    assert pending.status == "approved"
    change = pending.status_changes.get()
    assert (change.reason, change.changed_by) == ("Lovely glazes", support)
    entry = LogEntry.objects.get(object_id=str(pending.pk))
    assert (entry.user, entry.action_flag, entry.change_message) == (
        support, CHANGE, "Approve selected shops: Lovely glazes"
    )  # fmt: skip
    assert [m.to for m in mail.outbox] == [[pending.owner.email]]
    assert "Lovely glazes" in mail.outbox[0].body


def test_admin_suspends_an_approved_shop(client, admin_staff, vendor_a, django_capture_on_commit_callbacks):
    client.force_login(admin_staff)
    data = {"action": "make_suspended", "_selected_action": [vendor_a.pk], "apply": "1", "reason": "Copied designs"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_changelist(), data)
    vendor_a.refresh_from_db()
    assert vendor_a.status == "suspended"
    assert LogEntry.objects.get(object_id=str(vendor_a.pk)).change_message == "Suspend selected shops: Copied designs"
    assert len(mail.outbox) == 1


def test_support_reviews_shops_but_cant_edit_one(client, support, vendor_a):
    client.force_login(support)
    url = reverse("admin:vendors_vendor_change", args=[vendor_a.pk])
    assert client.get(url).status_code == 200  # read-only view
    assert client.post(url, {"name": "Renamed", "shipping_flat": "0"}).status_code == 403
    vendor_a.refresh_from_db()
    assert vendor_a.name == "Kiln & Co"
