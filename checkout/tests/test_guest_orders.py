"""A guest's "Your orders" behind the receipt's signed link: each shop's order with its status timeline and
tracking, one page per order with the message thread to its shop. The link opens its own checkout only."""

import re

import pytest
from django.core import mail

from checkout.order_links import checkout_view_url
from orders.models import OrderMessage
from orders.services import order_mark_shipped
from orders.tests.factories import paid_checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_checkout(vendor_a, vendor_b):
    return paid_checkout(user=None, vendors=[vendor_a, vendor_b], email="guest@example.com")


def _link(checkout) -> str:
    return checkout_view_url(checkout=checkout, absolute=False)


def test_the_link_shows_each_shops_order_with_timeline_and_tracking(client, guest_checkout, vendor_a):
    kiln = guest_checkout.orders.get(vendor=vendor_a)
    order_mark_shipped(order=kiln, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM 123 GB")
    page = client.get(_link(guest_checkout)).content.decode()
    section = page[page.index('id="followed-orders"') :]
    for order in guest_checkout.orders.all():
        assert f'id="order-{order.number}"' in section
    kiln_card = section[section.index(f'id="order-{kiln.number}"') :]
    kiln_card = kiln_card[: kiln_card.index("</section>")]
    assert "Shipped with Royal Mail, tracking number <strong>RM123GB</strong>" in kiln_card
    assert '<ol class="timeline"' in kiln_card and "<strong>Paid</strong>" in kiln_card
    assert "<strong>Shipped</strong>" in kiln_card
    # The token carries its signing second, so the page's own may differ from one made here: match its shape.
    assert re.search(rf'href="/cart/orders/[^"/]+/{kiln.number}/"', kiln_card)


def test_one_orders_page_and_its_refusals(client, guest_checkout, shopper, vendor_a):
    kiln = guest_checkout.orders.get(vendor=vendor_a)
    page = client.get(f"{_link(guest_checkout)}{kiln.number}/")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert f"Order {kiln.number}" in page.content.decode() and 'id="messages"' in page.content.decode()
    # Someone else's order through this link, or this order through another checkout's link: 404.
    someone_elses = paid_checkout(user=shopper, vendors=[vendor_a]).orders.get()
    assert client.get(f"{_link(guest_checkout)}{someone_elses.number}/").status_code == 404
    assert client.get(f"{_link(someone_elses.checkout)}{kiln.number}/").status_code == 404
    assert client.post(f"{_link(guest_checkout)}{someone_elses.number}/messages", {"body": "x"}).status_code == 404
    tampered = _link(guest_checkout).replace("/cart/orders/", "/cart/orders/x")
    assert client.get(f"{tampered}{kiln.number}/").status_code == 404
    assert client.post(f"{tampered}{kiln.number}/messages", {"body": "x"}).status_code == 404
    assert client.get(f"{_link(guest_checkout)}{kiln.number}/messages").status_code == 405
    assert not OrderMessage.objects.exists()


def test_a_guest_writes_to_the_shop_and_reads_its_answer(
    client, guest_checkout, vendor_a, django_capture_on_commit_callbacks
):
    kiln = guest_checkout.orders.get(vendor=vendor_a)
    url = f"{_link(guest_checkout)}{kiln.number}/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "messages", {"body": "Is it dishwasher safe?"})
    assert response.status_code == 302 and response["Location"] == url + "#messages"
    [to_shop] = mail.outbox
    assert to_shop.to == [vendor_a.owner.email] and "Is it dishwasher safe?" in to_shop.body

    shop = client.__class__()
    shop.force_login(vendor_a.owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        shop.post(f"/shops/dashboard/orders/{kiln.number}/messages", {"body": "Yes, top rack."})
    [to_guest] = mail.outbox
    assert to_guest.to == ["guest@example.com"] and "Yes, top rack." in to_guest.body
    assert "link in your receipt" in to_guest.body

    page = client.get(url).content.decode()
    assert page.index("Is it dishwasher safe?") < page.index("Yes, top rack.")


def test_a_guests_refused_message_is_shown_in_place(client, guest_checkout, vendor_a):
    kiln = guest_checkout.orders.get(vendor=vendor_a)
    url = f"{_link(guest_checkout)}{kiln.number}/messages"
    fragment = client.post(url, {"body": " "}, headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and "Write a message first." in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    page = client.post(url, {"body": "x" * 2001})
    assert page.status_code == 422 and "under 2000 characters" in page.content.decode()
    assert "<html" in page.content.decode() and not OrderMessage.objects.exists()
