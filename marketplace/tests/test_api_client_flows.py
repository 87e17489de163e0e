"""The main flows as an integrator writes them: plain HTTP calls with a real token, the documented names.

No DRF test helpers: a thin ``requests``-like client over Django's test client, sending
``Authorization: Token …`` (or ``Bearer``), JSON in and out. If a name in docs/api.md changes,
this file is where an integrator's script would break first.
"""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from catalog.services.search_index import search_words_refresh
from catalog.tests.factories import CategoryFactory, ProductFactory
from marketplace.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
MONEY = re.compile(r"^-?\d+\.\d\d$")


class Api:
    """``api.post("/products", json={...})`` -> ``(status, body)``, against /api/v1/."""

    def __init__(self, key: str | None = None, scheme: str = "Token"):
        self.client = Client(enforce_csrf_checks=True)  # a script has no CSRF token: the token must do
        self.headers = {"Authorization": f"{scheme} {key}"} if key else {}

    def _call(self, method: str, path: str, json_body=None, params=None):
        call = getattr(self.client, method)
        if method == "get":
            response = call(f"/api/v1{path}", params or {}, headers=self.headers)
        else:
            body = json.dumps(json_body) if json_body is not None else ""
            response = call(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)
        if response.status_code == 204:
            return 204, None
        assert response["Content-Type"].startswith("application/json"), (path, response["Content-Type"])
        return response.status_code, response.json()

    def get(self, path, **params):
        return self._call("get", path, params=params)

    def post(self, path, json=None):
        return self._call("post", path, json)

    def patch(self, path, json=None):
        return self._call("patch", path, json)

    def delete(self, path):
        return self._call("delete", path)


def _money_has_currency(node, where="body"):
    """Every object holding an amount says its currency; every amount is a two-place decimal string."""
    amounts = {"price", "subtotal", "shipping", "total", "unit_price", "shipping_flat", "free_shipping_over"}
    if isinstance(node, dict):
        held = amounts & set(node)
        if held:
            assert node.get("currency") == "USD", f"{where} has {held} but no currency"
            for name in held:
                assert node[name] is None or MONEY.match(node[name]), f"{where}.{name} = {node[name]!r}"
        for key, value in node.items():
            _money_has_currency(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _money_has_currency(item, f"{where}[{i}]")


def _times_are_utc(node, where="body"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_at") and value is not None:
                assert UTC_TIME.match(value), f"{where}.{key} = {value!r}"
            _times_are_utc(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            _times_are_utc(item, where)


def test_a_shop_lists_changes_and_removes_a_product(vendor_a):
    _, key = api_token_create(user=vendor_a.owner, name="inventory")
    api = Api(key, scheme="Bearer")
    category = CategoryFactory(name="Ceramics", slug="ceramics")

    status, product = api.post(
        "/products", json={"title": "Tea bowl", "category_id": category.pk, "price": "32.00", "stock_quantity": 4}
    )
    assert status == 201, product
    assert product["category_id"] == category.pk and product["price"] == "32.00" and product["currency"] == "USD"
    _times_are_utc(product)

    status, changed = api.patch(f"/products/{product['id']}", json={"price": "29.50", "status": "active"})
    assert status == 200 and changed["price"] == "29.50"
    status, refused = api.patch(f"/products/{product['id']}", json={"categoryId": category.pk})
    assert status == 400 and refused["errors"] == {"categoryId": ["Unknown field."]}

    ProductFactory(vendor=vendor_a, category=category)
    status, page = api.get("/products", vendor=vendor_a.pk, page_size=1)
    assert status == 200 and page["count"] == 2 and len(page["results"]) == 1
    assert page["previous"] is None and "page=2" in page["next"]
    _money_has_currency(page)

    assert api.delete(f"/products/{product['id']}") == (204, None)
    status, gone = api.get(f"/products/{product['id']}")
    assert status == 404 and gone["code"] == "not_found"


def test_a_shopper_searches_fills_a_cart_and_places_it(shopper, vendor_a, vendor_b, localstripe):
    _, key = api_token_create(user=shopper, name="my app")
    api = Api(key)
    mug = ProductFactory(vendor=vendor_a, title="Speckled mug", price=Decimal("24.50"))
    scarf = ProductFactory(vendor=vendor_b, title="Wool scarf", price=Decimal("60.00"))
    search_words_refresh()

    status, found = api.get("/search", q="mug", price_min="10", price_max="30")
    assert status == 200 and [p["id"] for p in found["results"]] == [mug.pk]
    assert {"count", "next", "previous", "count_capped", "facets", "corrected_query"} <= set(found)
    status, refused = api.get("/search", price_min="lots")
    assert status == 400 and list(refused["errors"]) == ["price_min"]

    status, cart = api.post("/cart/items", json={"product_id": mug.pk, "quantity": 2})
    assert status == 201 and cart["can_checkout"] is True
    status, cart = api.post("/cart/items", json={"product_id": scarf.pk})
    line = next(line for shop in cart["shops"] for line in shop["lines"] if line["product_id"] == mug.pk)
    assert line["unit_price"] == "24.50" and line["price_changed"] is False
    _money_has_currency(cart)
    _times_are_utc(cart)

    status, cart = api.patch(f"/cart/items/{line['id']}", json={"quantity": 1})
    assert status == 200 and cart["items"] == 2
    scarf_line = next(line for shop in cart["shops"] for line in shop["lines"] if line["product_id"] == scarf.pk)
    status, cart = api.delete(f"/cart/items/{scarf_line['id']}")
    assert status == 200 and cart["items"] == 1  # the cart as it is now, as documented

    address = {"email": shopper.email, "name": "Sasha", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA",
               "country": "GB"}  # fmt: skip
    status, checkout = api.post("/orders", json=address)
    assert status == 201, checkout
    assert checkout["total"] == checkout["orders"][0]["total"] and checkout["currency"] == "USD"
    assert checkout["orders"][0]["items"][0]["product_id"] == mug.pk
    assert UTC_TIME.match(checkout["expires_at"]) and checkout["paid_at"] is None
    _money_has_currency(checkout)
    _times_are_utc(checkout)

    status, intent = api.post("/payments/create-intent", json={"checkout_id": checkout["id"]})
    assert status == 200 and intent["client_secret"].startswith(intent["id"])

    status, mine = api.get("/orders")
    assert status == 200 and mine == {"count": 0, "next": None, "previous": None, "results": []}  # listed once paid
    status, order = api.get(f"/orders/{checkout['orders'][0]['id']}")
    assert status == 200 and order["vendor_id"] == vendor_a.pk and order["items"][0]["currency"] == "USD"
    _times_are_utc(order)


def test_the_error_body_is_the_same_everywhere():
    api = Api()
    for status, body in (
        api.get("/nowhere"),
        api.get("/orders"),
        api.post("/cart/items", json={"product_id": 1}),  # no token and no CSRF token: refused
        api.get("/products", page_size=1000),
        api.delete("/categories"),
    ):
        assert status >= 400 and set(body) <= {"code", "detail", "errors"} and body["code"] and body["detail"]
    assert Api("mkt_wrong").get("/me")[0] == 401
