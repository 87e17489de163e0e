"""The refund form on the shop's order page (HTMX and plain posts) and the shopper's cancel button:
who may, what a refusal looks like, and that a double post makes one refund."""

import re
from decimal import Decimal

import pytest

from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from orders.models import Order, OrderRefund
from orders.services import order_mark_shipped

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug_order(placed_checkout, vendor_a):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return Order.objects.get(checkout=placed_checkout, vendor=vendor_a)


def _shop_url(order, tail=""):
    return f"/shops/dashboard/orders/{order.number}/{tail}"


def _key(page: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def test_the_shop_refunds_an_amount_without_javascript(client, mug_order, vendor_a):
    client.force_login(vendor_a.owner)
    page = client.get(_shop_url(mug_order)).content.decode()
    assert "can still be refunded" in page

    response = client.post(
        _shop_url(mug_order, "refund"), {"mode": "amount", "amount": "7.50", "reason": "chipped", "key": _key(page)}
    )

    assert response.status_code == 302 and response["Location"] == _shop_url(mug_order)
    refund = OrderRefund.objects.get()
    assert (refund.amount, refund.reason, refund.by) == (Decimal("7.50"), "chipped", vendor_a.owner)
    page = client.get(_shop_url(mug_order)).content.decode()
    assert "refunded" in page and "$7.50" in page and "chipped" in page


def test_the_shop_refunds_an_item_with_htmx_and_the_status_updates_in_place(client, mug_order, vendor_a):
    client.force_login(vendor_a.owner)
    key = _key(client.get(_shop_url(mug_order)).content.decode())
    item = mug_order.items.get()

    response = client.post(
        _shop_url(mug_order, "refund"),
        {"mode": "items", f"qty_{item.pk}": "1", "key": key},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card pad" id="order-refund"')
    assert 'id="order-status" aria-labelledby="status-heading" hx-swap-oob="true"' in body
    assert "Partially refunded" in body
    assert OrderRefund.objects.get().amount == item.unit_price


def test_a_double_post_of_the_same_form_makes_one_refund(client, mug_order, vendor_a):
    client.force_login(vendor_a.owner)
    key = _key(client.get(_shop_url(mug_order)).content.decode())
    for _ in range(2):
        client.post(_shop_url(mug_order, "refund"), {"mode": "amount", "amount": "3.00", "key": key})
    assert list(OrderRefund.objects.values_list("amount", flat=True)) == [Decimal("3.00")]


def test_an_amount_over_the_limit_is_refused_in_place(client, mug_order, vendor_a):
    client.force_login(vendor_a.owner)
    data = {"mode": "amount", "amount": "500.00", "key": "k1"}

    response = client.post(_shop_url(mug_order, "refund"), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "At most $" not in response.content.decode()  # the limit is in the order's currency, as a number
    assert f"At most {mug_order.total} USD" in response.content.decode()

    response = client.post(_shop_url(mug_order, "refund"), {**data, "key": "k2"}, follow=True)
    assert f"At most {mug_order.total} USD" in response.content.decode()
    assert not OrderRefund.objects.exists()


def test_another_shop_gets_a_404_and_nothing_is_refunded(client, mug_order, vendor_b, shopper):
    for user in (vendor_b.owner, shopper):
        client.force_login(user)
        assert client.post(_shop_url(mug_order, "refund"), {"mode": "full", "key": "k"}).status_code == 404
    client.logout()
    assert client.post(_shop_url(mug_order, "refund"), {"mode": "full", "key": "k"}).status_code == 302
    assert client.get(_shop_url(mug_order, "refund")).status_code in (302, 405)
    assert not OrderRefund.objects.exists()


def test_the_shop_cancels_with_a_reason(client, mug_order, vendor_a):
    client.force_login(vendor_a.owner)
    response = client.post(_shop_url(mug_order, "refund"), {"cancel": "1", "key": "k", "reason": "kiln broke"})
    assert response.status_code == 302
    mug_order.refresh_from_db()
    assert mug_order.status == "cancelled"
    assert OrderRefund.objects.get().amount == mug_order.total


def test_the_shopper_cancels_an_unshipped_order_from_their_page(client, mug_order, shopper):
    client.force_login(shopper)
    page = client.get(f"/account/orders/{mug_order.number}/").content.decode()
    assert "Cancel this order" in page

    response = client.post(f"/account/orders/{mug_order.number}/cancel", {"key": _key(page)}, follow=True)

    mug_order.refresh_from_db()
    assert mug_order.status == "cancelled"
    body = response.content.decode()
    assert "is cancelled" in body and "back to your card" in body
    assert "Cancel this order" not in body


def test_another_shopper_cant_cancel(client, mug_order, other_shopper):
    client.force_login(other_shopper)
    assert client.post(f"/account/orders/{mug_order.number}/cancel", {"key": "k"}).status_code == 404
    mug_order.refresh_from_db()
    assert mug_order.status == "paid"


def test_a_shipped_order_cant_be_cancelled_by_the_shopper(client, mug_order, shopper, vendor_a):
    order_mark_shipped(order=mug_order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    client.force_login(shopper)
    assert "Cancel this order" not in client.get(f"/account/orders/{mug_order.number}/").content.decode()

    response = client.post(f"/account/orders/{mug_order.number}/cancel", {"key": "k"}, follow=True)

    assert "has shipped, so it can&#x27;t be cancelled" in response.content.decode()
    mug_order.refresh_from_db()
    assert mug_order.status == "shipped" and not OrderRefund.objects.exists()


def test_staff_with_the_finance_permission_refund_from_the_dashboard(client, mug_order, staff):
    from django.contrib.auth.models import Permission

    client.force_login(staff)
    data = {"action": "refund_orders", "_selected_action": [mug_order.pk]}
    # Without the permission the action isn't offered (Django answers with "no action selected").
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.post("/staff/orders/order/", data)
    client.post("/staff/orders/order/", {**data, "apply": "1", "key": "k1", "mode": "whole", "reason": "lost"})
    assert not OrderRefund.objects.exists()

    staff.user_permissions.add(Permission.objects.get(codename="refund_order"))
    key = _key(client.post("/staff/orders/order/", data).content.decode())  # the confirmation page
    client.post("/staff/orders/order/", {**data, "apply": "1", "key": key, "mode": "whole", "reason": "lost"})
    refund = OrderRefund.objects.get()
    assert (refund.amount, refund.by, refund.reason) == (mug_order.total, staff, "lost")
    mug_order.refresh_from_db()
    assert mug_order.status == "refunded"
