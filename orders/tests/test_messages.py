"""The thread about an order: the buyer writes to the shop, the shop answers; each side is emailed and its bell
rings. Only the order's buyer and its shop can read or post (404 otherwise), and a refused message is shown in
place with 422, with HTMX and without."""

import pytest
from django.core import mail

from marketplace.models import Notification
from orders.models import OrderMessage

from .factories import paid_checkout, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, vendor_a):
    return paid_order(user=shopper, vendor=vendor_a)


def _shopper_url(order):
    return f"/account/orders/{order.number}/messages"


def _shop_url(order):
    return f"/shops/dashboard/orders/{order.number}/messages"


def test_buyer_writes_shop_answers_in_one_thread(client, order, shopper, vendor_a, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_shopper_url(order), {"body": "Could you gift-wrap it?\nThanks!"})
    assert response.status_code == 302 and response["Location"] == f"/account/orders/{order.number}/#messages"
    [to_shop] = mail.outbox
    assert to_shop.to == [vendor_a.owner.email] and order.number in to_shop.subject
    assert (
        "Could you gift-wrap it?" in to_shop.body
        and f"/shops/dashboard/orders/{order.number}/#messages" in to_shop.body
    )
    assert Notification.objects.get(user=vendor_a.owner, kind="order_message").url.endswith("#messages")

    client.force_login(vendor_a.owner)
    page = client.get(f"/shops/dashboard/orders/{order.number}/").content.decode()
    assert "Could you gift-wrap it?" in page and "Answer the buyer" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_shop_url(order), {"body": "Of course, no charge."})
    assert response.status_code == 302 and response["Location"] == f"/shops/dashboard/orders/{order.number}/#messages"
    [to_shopper] = mail.outbox
    assert to_shopper.to == [shopper.email] and "Kiln & Co answered" in to_shopper.subject
    assert "Of course, no charge." in to_shopper.body
    assert f"/account/orders/{order.number}/#messages" in to_shopper.body
    note = Notification.objects.get(user=shopper, kind="order_message")
    assert note.text == f"Kiln & Co answered about order {order.number}."

    client.force_login(shopper)
    page = client.get(f"/account/orders/{order.number}/").content.decode()
    assert page.index("Could you gift-wrap it?") < page.index("Of course, no charge.")
    thread = list(OrderMessage.objects.filter(order=order).values_list("from_shop", "author", "body"))
    assert thread == [
        (False, shopper.pk, "Could you gift-wrap it?\nThanks!"),
        (True, vendor_a.owner.pk, "Of course, no charge."),
    ]


def test_htmx_post_returns_the_thread_fragment(client, order, shopper):
    client.force_login(shopper)
    response = client.post(_shopper_url(order), {"body": "Hello"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card pad" id="messages"') and "Hello" in html
    assert "<html" not in html and "Status history" not in html


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 2001])
def test_a_refused_message_is_shown_in_place_with_422(client, order, shopper, vendor_a, body):
    for user, url in ((shopper, _shopper_url(order)), (vendor_a.owner, _shop_url(order))):
        client.force_login(user)
        fragment = client.post(url, {"body": body}, headers={"HX-Request": "true"})
        assert fragment.status_code == 422
        html = fragment.content.decode()
        assert 'id="message-error"' in html and "<html" not in html
        assert ("under 2000 characters" in html) if body.strip() else ("Write a message first." in html)
        page = client.post(url, {"body": body})  # without JavaScript: the whole page, the error in place
        assert page.status_code == 422 and "<html" in page.content.decode()
        assert 'id="message-error"' in page.content.decode()
    assert not OrderMessage.objects.exists()


def test_another_shopper_can_neither_read_nor_post(client, order, shopper, other_shopper):
    OrderMessage.objects.create(order=order, author=shopper, from_shop=False, body="secret question")
    client.force_login(other_shopper)
    assert client.get(f"/account/orders/{order.number}/").status_code == 404
    assert client.post(_shopper_url(order), {"body": "let me in"}).status_code == 404
    assert client.post(_shop_url(order), {"body": "let me in"}).status_code == 404
    assert OrderMessage.objects.count() == 1


def test_another_shop_can_neither_read_nor_post_even_in_the_same_checkout(client, shopper, vendor_a, vendor_b):
    checkout = paid_checkout(user=shopper, vendors=[vendor_a, vendor_b])
    mine, theirs = checkout.orders.get(vendor=vendor_a), checkout.orders.get(vendor=vendor_b)
    OrderMessage.objects.create(order=mine, author=shopper, from_shop=False, body="for Kiln only")
    client.force_login(vendor_b.owner)
    assert client.get(f"/shops/dashboard/orders/{mine.number}/").status_code == 404
    assert client.post(_shop_url(mine), {"body": "hi"}).status_code == 404
    # The shop's own order of that checkout doesn't show the other shop's thread.
    assert "for Kiln only" not in client.get(f"/shops/dashboard/orders/{theirs.number}/").content.decode()
    # A shop owner is not the buyer: the shopper's side refuses them too.
    client.force_login(vendor_a.owner)
    assert client.post(_shopper_url(mine), {"body": "posing as the buyer"}).status_code == 404
    assert OrderMessage.objects.count() == 1


def test_anonymous_and_wrong_method_are_refused(client, order):
    for url in (_shopper_url(order), _shop_url(order)):
        response = client.post(url, {"body": "hi"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(order.checkout.user)
    assert client.get(_shopper_url(order)).status_code == 405
    assert not OrderMessage.objects.exists()


def test_staff_read_the_thread_in_the_platform_dashboard(client, order, shopper, staff):
    OrderMessage.objects.create(order=order, author=shopper, from_shop=False, body="a question for staff to see")
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    page = client.get(f"/staff/orders/order/{order.pk}/change/")
    assert page.status_code == 200 and "a question for staff to see" in page.content.decode()


def test_a_burst_of_messages_is_capped_per_side(client, order, shopper, vendor_a):
    from orders.conversation import MESSAGES_PER_HOUR

    client.force_login(shopper)
    for i in range(MESSAGES_PER_HOUR):
        assert client.post(_shopper_url(order), {"body": f"m{i}"}).status_code == 302
    refused = client.post(_shopper_url(order), {"body": "one more"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "please wait for an answer" in refused.content.decode()
    # The cap is per side: the shop can still answer.
    client.force_login(vendor_a.owner)
    assert client.post(_shop_url(order), {"body": "Answer"}).status_code == 302
    assert OrderMessage.objects.filter(order=order).count() == MESSAGES_PER_HOUR + 1
