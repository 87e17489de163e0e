"""The selling shop reads its orders through the API (issue #17): where to ship and the buyer's messages,
never the buyer's email or account, never another shop's lines. Buyer, seller, other seller, anonymous;
every caller authenticates with a real token in the Authorization header."""

import json

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory
from checkout.models import Cart
from checkout.placement import checkout_place
from checkout.services import cart_add
from marketplace.accounts.services import api_token_create
from orders.conversation import order_message_post

from .factories import ADDRESS, paid_checkout

pytestmark = pytest.mark.django_db


def _as(user) -> dict:
    return {"Authorization": f"Token {api_token_create(user=user, name='script')[1]}"}


def _keys(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.fixture
def checkout(shopper, vendor_a, vendor_b):
    """The shopper's paid checkout with one line from each shop, and a message to shop A."""
    checkout = paid_checkout(user=shopper, vendors=[vendor_a, vendor_b])
    order_message_post(order=checkout.orders.get(vendor=vendor_a), by=shopper, body="Gift wrap, please.",
                       from_shop=False)  # fmt: skip
    return checkout


def test_the_shop_reads_its_order_with_where_to_ship_and_nothing_more_of_the_buyer(client, checkout, shopper, vendor_a):
    mine = checkout.orders.get(vendor=vendor_a)
    theirs = checkout.orders.exclude(vendor=vendor_a).get()
    answer = client.get(f"/api/orders/{mine.pk}", headers=_as(vendor_a.owner))
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == mine.pk
    assert body["ship_to"] == {"name": ADDRESS.name, "line1": ADDRESS.line1, "line2": "", "city": ADDRESS.city,
                               "postcode": ADDRESS.postcode, "country": ADDRESS.country}  # fmt: skip
    assert [(m["from_shop"], m["body"]) for m in body["messages"]] == [(False, "Gift wrap, please.")]
    assert body["vendor_net"] == str(mine.vendor_net) and body["platform_fee"] == str(mine.platform_fee)
    text = answer.content.decode()
    assert shopper.email not in text
    assert not {"email", "user", "user_id", "buyer_id", "checkout", "checkout_id"} & _keys(body)
    assert theirs.items.get().title not in text  # the other shop's line of the same checkout
    assert len(body["items"]) == mine.items.count()


def test_the_buyer_reads_the_buyers_view(client, checkout, shopper, vendor_a):
    mine = checkout.orders.get(vendor=vendor_a)
    body = client.get(f"/api/orders/{mine.pk}", headers=_as(shopper)).json()
    assert body["id"] == mine.pk
    assert not {"ship_to", "messages", "vendor_net", "platform_fee"} & set(body)


def test_another_shop_an_outsider_and_anonymous_get_404(client, checkout, vendor_a, vendor_b, other_shopper):
    mine = checkout.orders.get(vendor=vendor_a)
    for headers in (_as(vendor_b.owner), _as(other_shopper), {}):
        answer = client.get(f"/api/orders/{mine.pk}", headers=headers)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert client.get("/api/orders/999999", headers=_as(vendor_a.owner)).status_code == 404


def test_an_unpaid_order_is_not_the_shops_yet(client, shopper, vendor_a):
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
    pending = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper).orders.get()
    seller = _as(vendor_a.owner)
    assert client.get(f"/api/orders/{pending.pk}", headers=seller).status_code == 404
    listed = client.get("/api/orders", {"scope": "shop"}, headers=seller).json()
    assert pending.pk not in [o["id"] for o in listed["results"]]


def test_the_shops_list_shows_each_order_as_its_detail_does(client, checkout, shopper, vendor_a, vendor_b):
    second = paid_checkout(user=shopper, vendors=[vendor_a]).orders.get()
    paid_checkout(user=shopper, vendors=[vendor_b])  # not shop A's
    seller = _as(vendor_a.owner)
    listed = client.get("/api/orders", {"scope": "shop"}, headers=seller).json()["results"]
    ids = [o["id"] for o in listed]
    assert sorted(ids) == sorted([checkout.orders.get(vendor=vendor_a).pk, second.pk])
    for order in listed:
        detail = client.get(f"/api/orders/{order['id']}", headers=seller)
        assert json.loads(detail.content) == order


def test_the_shops_list_queries_do_not_grow_with_orders(client, shopper, vendor_a, django_assert_max_num_queries):
    seller = _as(vendor_a.owner)
    for _ in range(2):
        paid_checkout(user=shopper, vendors=[vendor_a])
    client.get("/api/orders", {"scope": "shop"}, headers=seller)  # token's last-use write out of the way
    with django_assert_max_num_queries(12) as few:
        client.get("/api/orders", {"scope": "shop"}, headers=seller)
    for _ in range(5):
        paid_checkout(user=shopper, vendors=[vendor_a])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/orders", {"scope": "shop"}, headers=seller).json()["results"]) == 7


def test_staff_read_the_shops_view(client, checkout, staff, vendor_a):
    mine = checkout.orders.get(vendor=vendor_a)
    assert client.get(f"/api/orders/{mine.pk}", headers=_as(staff)).json()["ship_to"]["city"] == ADDRESS.city


def test_a_guest_buyer_reads_their_order_in_their_session_only(vendor_a):
    guest = Client()
    guest.post("/api/cart/items", {"product_id": ProductFactory(vendor=vendor_a).pk}, content_type="application/json")
    body = {
        "email": "g@example.com",
        "name": "G",
        "line1": "1 St",
        "city": "Bath",
        "postcode": "BA1 1AA",
        "country": "GB",
    }
    order_id = guest.post("/api/orders", body, content_type="application/json").json()["orders"][0]["id"]
    assert guest.get(f"/api/orders/{order_id}").status_code == 200
    assert Client().get(f"/api/orders/{order_id}").status_code == 404


def test_the_schema_describes_the_shops_fields_as_optional(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    ref = schema["paths"]["/api/v1/orders/{order_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    component = schema["components"]["schemas"][ref["schema"]["$ref"].rsplit("/", 1)[1]]
    shop_fields = {"ship_to", "messages", "platform_fee", "vendor_net"}
    assert shop_fields <= set(component["properties"])
    assert not shop_fields & set(component["required"])  # the buyer's reading has none of them
    assert "email" not in component["properties"]
