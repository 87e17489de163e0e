"""The staff dashboard never deletes money: paid checkouts, paid orders and payment rows stay."""

import pytest
from django.contrib.admin.sites import site

from checkout.models import Checkout, PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True
    staff.save()
    return staff


@pytest.fixture
def paid_checkout(placed_checkout):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    placed_checkout.refresh_from_db()
    assert placed_checkout.status == Checkout.Status.PAID
    return placed_checkout


def _bulk_delete(client, url: str, pks: list[int]):
    return client.post(url, {"action": "delete_selected", "_selected_action": pks, "post": "yes"})


def test_a_paid_checkout_cannot_be_deleted_one_by_one_or_in_bulk(client, superuser, paid_checkout):
    client.force_login(superuser)
    url = f"/staff/checkout/checkout/{paid_checkout.pk}/delete/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    bulk = _bulk_delete(client, "/staff/checkout/checkout/", [paid_checkout.pk])
    assert bulk.status_code in (200, 403)
    assert Checkout.objects.filter(pk=paid_checkout.pk).exists()
    assert "Delete" not in client.get(f"/staff/checkout/checkout/{paid_checkout.pk}/change/").content.decode()


def test_a_paid_order_cannot_be_deleted_one_by_one_or_in_bulk(client, superuser, paid_checkout):
    client.force_login(superuser)
    order = paid_checkout.orders.first()
    assert client.post(f"/staff/orders/order/{order.pk}/delete/", {"post": "yes"}).status_code == 403
    _bulk_delete(client, "/staff/orders/order/", list(paid_checkout.orders.values_list("pk", flat=True)))
    assert Order.objects.filter(checkout=paid_checkout).count() == 2


def test_payment_rows_are_never_deleted(client, superuser, paid_checkout):
    client.force_login(superuser)
    record = PaymentRecord.objects.filter(checkout=paid_checkout).first()
    assert client.post(f"/staff/checkout/paymentrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get("/staff/checkout/paymentrecord/")
    assert "delete_selected" not in page.content.decode()
    _bulk_delete(client, "/staff/checkout/paymentrecord/", [record.pk])
    assert PaymentRecord.objects.filter(pk=record.pk).exists()


def test_an_unpaid_checkout_without_payments_stays_deletable(superuser, rf, placed_checkout):
    # Nothing was charged or sent: staff may clear it (its orders go first, they protect it).
    PaymentRecord.objects.filter(checkout=placed_checkout).delete()
    request = rf.get("/staff/")
    request.user = superuser
    assert site.get_model_admin(Checkout).has_delete_permission(request, placed_checkout)
    assert site.get_model_admin(Order).has_delete_permission(request, placed_checkout.orders.first())
    assert not site.get_model_admin(PaymentRecord).has_delete_permission(request, None)


def test_an_unpaid_checkout_whose_intent_exists_is_kept(superuser, rf, placed_checkout):
    # An intent can still succeed late: the checkout and its orders are what the money would land on.
    request = rf.get("/staff/")
    request.user = superuser
    assert not site.get_model_admin(Checkout).has_delete_permission(request, placed_checkout)
    assert not site.get_model_admin(Order).has_delete_permission(request, placed_checkout.orders.first())


def test_staff_see_follow_ups_that_failed_for_good(client, superuser, paid_checkout):
    from checkout.models import FollowUp

    FollowUp.objects.filter(checkout=paid_checkout, kind="transfer").update(
        status="failed", last_error="No such account"
    )
    client.force_login(superuser)
    page = client.get("/staff/checkout/followup/?status__exact=failed")
    assert page.status_code == 200
    assert page.content.decode().count("No such account") == 2
    assert "delete_selected" not in page.content.decode()
