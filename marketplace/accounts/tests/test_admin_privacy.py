"""Staff export and erase accounts from the User admin: a confirmation page, the admin log, the same services."""

import json

import pytest
from django.contrib.admin.models import LogEntry

from marketplace.accounts.models import User
from marketplace.accounts.services import address_create
from orders.services import order_mark_delivered, order_mark_shipped
from orders.tests.factories import paid_order

pytestmark = pytest.mark.django_db

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}
URL = "/staff/accounts/user/"


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    return staff


def _action(client, action: str, users, **extra):
    return client.post(URL, {"action": action, "_selected_action": [u.pk for u in users], **extra})


def test_staff_export_one_account_as_json_and_the_log_says_so(client, superuser, shopper):
    address_create(user=shopper, fields=HOME)
    client.force_login(superuser)
    response = _action(client, "export_personal_data", [shopper])
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == shopper.email and data["addresses"][0]["line1"] == "1 High St"
    entry = LogEntry.objects.get(object_id=str(shopper.pk))
    assert entry.user == superuser and "Exported" in entry.get_change_message()


def test_staff_erase_asks_first_then_erases_and_logs(
    client, superuser, shopper, vendor_a, django_capture_on_commit_callbacks
):
    from django.core import mail

    order = paid_order(user=shopper, vendor=vendor_a)
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    order_mark_delivered(order=order, by=vendor_a.owner)
    client.force_login(superuser)

    confirm = _action(client, "erase_personal_data", [shopper])
    assert confirm.status_code == 200 and "are you sure" in confirm.content.decode()
    assert User.objects.get(pk=shopper.pk).erased_at is None  # nothing happens before confirming

    with django_capture_on_commit_callbacks(execute=True):
        done = _action(client, "erase_personal_data", [shopper], apply="1", reviews="remove")
    assert done.status_code == 302
    erased = User.objects.get(pk=shopper.pk)
    assert erased.erased_at is not None and erased.email != "shopper@example.com"
    order.checkout.refresh_from_db()
    assert order.checkout.shipping_name == "Former customer"
    assert [m.to for m in mail.outbox if "deleted" in m.subject] == [["shopper@example.com"]]
    assert "reviews removed" in LogEntry.objects.get(object_id=str(shopper.pk)).get_change_message()


def test_staff_see_why_a_shop_owner_would_be_refused_and_nothing_changes(client, superuser, vendor_a):
    client.force_login(superuser)
    confirm = _action(client, "erase_personal_data", [vendor_a.owner]).content.decode()
    assert "Will be refused" in confirm and "Kiln &amp; Co" in confirm
    _action(client, "erase_personal_data", [vendor_a.owner], apply="1", reviews="keep")
    assert User.objects.get(pk=vendor_a.owner_id).erased_at is None
    assert not LogEntry.objects.filter(object_id=str(vendor_a.owner_id)).exists()


def test_staff_without_permission_have_neither_action(client, staff, shopper):
    client.force_login(staff)  # staff, but no permissions on users
    response = _action(client, "erase_personal_data", [shopper], apply="1", reviews="keep")
    assert response.status_code in (302, 403)
    assert User.objects.get(pk=shopper.pk).erased_at is None
