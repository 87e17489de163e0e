"""Resend a receipt from the dashboard: through the receipt's outbox row and the usual task, one email per click
(a double click sends one), in Django's admin log; offered to the roles holding ``checkout.resend_receipt``."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from checkout.models import FollowUp
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(placed_checkout, django_capture_on_commit_callbacks):
    """The shopper's checkout, paid, its receipt and the shops' emails sent (as after payment)."""
    card_pay(placed_checkout)
    with django_capture_on_commit_callbacks(execute=True):
        checkout = checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    assert FollowUp.objects.get(checkout=checkout, kind="receipt").status == "done"
    mail.outbox.clear()
    return checkout


def _changelist():
    return reverse("admin:checkout_checkout_changelist")


def _resend(client, checkout, **extra):
    return client.post(_changelist(), {"action": "resend_receipts", "_selected_action": [checkout.pk], **extra},
                       follow=True)  # fmt: skip


def test_support_resends_a_receipt_once_per_click(client, support, paid, django_capture_on_commit_callbacks):
    client.force_login(support)
    with django_capture_on_commit_callbacks(execute=True):
        page = _resend(client, paid)
    assert "receipt on its way" in page.content.decode()
    assert [m.to for m in mail.outbox] == [[paid.email]]  # the receipt only: the shops aren't emailed again
    assert f"receipt for checkout {paid.pk}" in mail.outbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        _resend(client, paid)
    assert len(mail.outbox) == 2  # a second click later is a second receipt
    assert LogEntry.objects.filter(object_id=str(paid.pk), user=support).count() == 2


def test_a_double_click_sends_one_receipt(client, finance, paid, django_capture_on_commit_callbacks):
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=True):  # both posts land before the email goes
        _resend(client, paid)
        second = _resend(client, paid)
    assert "already on its way" in second.content.decode()
    assert len(mail.outbox) == 1
    assert LogEntry.objects.filter(object_id=str(paid.pk)).count() == 1


def test_an_unpaid_checkout_has_no_receipt_to_send(client, admin_staff, placed_checkout,
                                                   django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(admin_staff)
    with django_capture_on_commit_callbacks(execute=True):
        page = _resend(client, placed_checkout)
    assert "wasn&#x27;t paid, so it has no receipt" in page.content.decode()
    assert not mail.outbox and not LogEntry.objects.exists()


def test_staff_without_the_permission_arent_offered_it_and_a_forged_post_sends_nothing(
    client, staff, paid, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_checkout"))
    client.force_login(staff)
    assert "resend_receipts" not in set(re.findall(r'value="([a-z_]+)"', client.get(_changelist()).content.decode()))
    with django_capture_on_commit_callbacks(execute=True):
        _resend(client, paid, index="0")
    assert not mail.outbox and not LogEntry.objects.exists()
    assert FollowUp.objects.get(checkout=paid, kind="receipt").status == "done"
