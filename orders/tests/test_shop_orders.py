"""The shop's inbox and order page, the shopper's "Your orders", and the orders API: who sees what, and
what each move does. Shop A vs shop B and shopper vs shopper on every page and endpoint."""

import pytest
from django.core import mail

from checkout.models import Cart
from checkout.placement import checkout_place
from checkout.services import cart_add
from orders.models import Order

from .factories import ADDRESS, paid_checkout, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, vendor_a):
    return paid_order(user=shopper, vendor=vendor_a)


def _pages(order):
    return [
        f"/shops/dashboard/orders/{order.number}/",
        f"/account/orders/{order.number}/",
    ]


# --- Who sees what ------------------------------------------------------------------------


def test_the_shop_sees_its_own_orders_and_not_another_shops_part(client, shopper, vendor_a, vendor_b):
    checkout = paid_checkout(user=shopper, vendors=[vendor_a, vendor_b])
    mine = checkout.orders.get(vendor=vendor_a)
    theirs = checkout.orders.get(vendor=vendor_b)
    client.force_login(vendor_a.owner)
    inbox = client.get("/shops/dashboard/orders/").content.decode()
    assert mine.number in inbox and theirs.number not in inbox
    assert client.get(f"/shops/dashboard/orders/{mine.number}/").status_code == 200
    assert client.get(f"/shops/dashboard/orders/{theirs.number}/").status_code == 404
    assert client.post(f"/shops/dashboard/orders/{theirs.number}/status", {"status": "processing"}).status_code == 404
    page = client.get(f"/shops/dashboard/orders/{mine.number}/").content.decode()
    assert "Sasha Shopper" in page and "1 High St" in page  # what the shop needs to ship
    assert theirs.items.get().title not in page


def test_unpaid_orders_are_not_in_the_inbox(client, shopper, vendor_a):
    from catalog.tests.factories import ProductFactory

    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
    pending = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper).orders.get()
    client.force_login(vendor_a.owner)
    assert pending.number not in client.get("/shops/dashboard/orders/").content.decode()
    assert client.get(f"/shops/dashboard/orders/{pending.number}/").status_code == 404


def test_a_shopper_sees_only_their_own_orders(client, order, shopper, other_shopper):
    client.force_login(shopper)
    assert order.number in client.get("/account/orders/").content.decode()
    assert client.get(f"/account/orders/{order.number}/").status_code == 200
    client.force_login(other_shopper)
    assert order.number not in client.get("/account/orders/").content.decode()
    assert client.get(f"/account/orders/{order.number}/").status_code == 404
    # A shopper is not a shop: the shop pages are 404 for them.
    assert client.get(f"/shops/dashboard/orders/{order.number}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, order):
    for url in [*_pages(order), "/shops/dashboard/orders/", "/account/orders/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_inbox_filters_by_status_and_searches_by_number_or_buyer(client, shopper, other_shopper, vendor_a):
    first = paid_order(user=shopper, vendor=vendor_a)
    second = paid_order(user=other_shopper, vendor=vendor_a)
    Order.objects.filter(pk=second.pk).update(status="shipped")
    client.force_login(vendor_a.owner)
    open_page = client.get("/shops/dashboard/orders/", {"status": "open"}).content.decode()
    assert first.number in open_page and second.number not in open_page
    by_number = client.get("/shops/dashboard/orders/", {"q": second.number.lower()}).content.decode()
    assert second.number in by_number and first.number not in by_number
    by_name = client.get("/shops/dashboard/orders/", {"q": "sasha"}).content.decode()
    assert first.number in by_name
    bad = client.get("/shops/dashboard/orders/", {"date_from": "not-a-date"})
    assert bad.status_code == 200 and "Check the filters" in bad.content.decode()
    fragment = client.get("/shops/dashboard/orders/", {"q": "x"}, headers={"HX-Request": "true",
                                                                           "HX-Target": "order-table"})  # fmt: skip
    assert fragment.content.decode().lstrip().startswith('<div id="order-table">')


# --- Fulfilment ------------------------------------------------------------------------------


def test_the_shop_marks_an_order_shipped_with_tracking_and_the_shopper_is_told_once(
    client, order, vendor_a, django_capture_on_commit_callbacks
):
    client.force_login(vendor_a.owner)
    url = f"/shops/dashboard/orders/{order.number}/status"
    refused = client.post(url, {"status": "shipped", "carrier": "Royal Mail"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "Give the carrier and the tracking number." in refused.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"status": "shipped", "carrier": "Royal Mail", "tracking_number": "AB 123 456 GB"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "Royal Mail", "AB123456GB")
    assert order.shipped_at is not None
    assert order.status_changes.last().by == vendor_a.owner
    emails = [m for m in mail.outbox if m.to == [order.checkout.email]]
    assert len(emails) == 1 and order.number in emails[0].subject and "AB123456GB" in emails[0].body
    # Sent again (double click): refused, no second email.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, {"status": "shipped", "carrier": "Royal Mail", "tracking_number": "X"})
    assert again.status_code == 302
    assert len([m for m in mail.outbox if m.to == [order.checkout.email]]) == 1
    page = client.get(f"/shops/dashboard/orders/{order.number}/").content.decode()
    assert "is shipped; it can&#x27;t be marked shipped" in page or "it can't be marked shipped" in page


def test_processing_then_delivered_and_the_shopper_sees_the_timeline(client, order, shopper, vendor_a):
    client.force_login(vendor_a.owner)
    url = f"/shops/dashboard/orders/{order.number}/status"
    fragment = client.post(url, {"status": "processing"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="order-status"' in fragment.content.decode()
    client.post(url, {"status": "shipped", "carrier": "DPD", "tracking_number": "15501234"})
    client.post(url, {"status": "delivered"})
    order.refresh_from_db()
    assert order.status == "delivered" and order.delivered_at
    client.force_login(shopper)
    page = client.get(f"/account/orders/{order.number}/").content.decode()
    for step in ("Paid", "Processing", "Shipped", "Delivered", "15501234"):
        assert step in page


def test_the_transfer_still_goes_out_when_the_shop_started_before_it_ran(order, vendor_a, localstripe):
    from checkout.payouts import order_transfer
    from orders.services import order_mark_processing

    Order.objects.filter(pk=order.pk).update(processing_fee_share="0.00")
    order_mark_processing(order=order, by=vendor_a.owner)
    assert order_transfer(order_id=order.pk).startswith("tr_sim_")


def test_the_dashboard_shows_sales_figures(client, shopper, vendor_a):
    paid_order(user=shopper, vendor=vendor_a, quantity=2)  # 2 × 20.00 + shipping
    order = Order.objects.get()
    client.force_login(vendor_a.owner)
    page = client.get("/shops/dashboard/").content.decode()
    assert "once orders are built" not in page
    assert f"${order.total}" in page and f"${order.vendor_net}" in page
    assert "1 new" in page


# --- API -----------------------------------------------------------------------------------------


def test_api_lists_the_callers_orders_as_shopper_or_shop(client, shopper, other_shopper, vendor_a, vendor_b):
    mine = paid_order(user=shopper, vendor=vendor_a)
    paid_order(user=other_shopper, vendor=vendor_b)
    client.force_login(shopper)
    body = client.get("/api/orders").json()
    assert body["count"] == 1 and body["results"][0]["number"] == mine.number
    assert body["results"][0]["history"][0]["to_status"] == "paid"
    assert client.get("/api/orders", {"scope": "shop"}).status_code == 404  # a shopper has no shop
    client.force_login(vendor_a.owner)
    shop = client.get("/api/orders", {"scope": "shop", "status": "paid", "page_size": 1}).json()
    assert [o["number"] for o in shop["results"]] == [mine.number]
    assert client.get("/api/orders", {"scope": "shop", "date_from": "nope"}).json()["errors"] == {
        "date_from": ["Use YYYY-MM-DD."]
    }
    assert client.get("/api/orders", {"status": "bogus"}).status_code == 400
    client.logout()
    assert client.get("/api/orders").status_code == 401


def test_api_order_detail_for_its_buyer_and_its_shop_only(client, order, shopper, vendor_a, vendor_b, other_shopper):
    url = f"/api/orders/{order.pk}"
    for reader in (shopper, vendor_a.owner):
        client.force_login(reader)
        body = client.get(url).json()
        assert body["number"] == order.number and body["items"][0]["unit_price"]
    for outsider in (vendor_b.owner, other_shopper):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_api_status_changes_follow_the_table(client, order, vendor_a, vendor_b, staff, other_shopper):
    url = f"/api/orders/{order.pk}/status"
    for outsider in (vendor_b.owner, other_shopper):
        client.force_login(outsider)
        assert client.put(url, {"status": "processing"}, content_type="application/json").status_code == 404
    client.force_login(vendor_a.owner)
    missing = client.put(url, {"status": "shipped"}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "tracking_required"
    shipped = client.put(url, {"status": "shipped", "carrier": "UPS", "tracking_number": "1Z999"},
                         content_type="application/json")  # fmt: skip
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    back = client.put(url, {"status": "processing"}, content_type="application/json")
    assert back.status_code == 409 and back.json()["code"] == "illegal_transition"
    client.force_login(staff)
    delivered = client.put(url, {"status": "delivered"}, content_type="application/json")
    assert delivered.status_code == 200 and delivered.json()["delivered_at"]
