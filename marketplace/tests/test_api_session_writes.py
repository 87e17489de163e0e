"""A signed-in browser session writing through the API must show the CSRF token: without it, a representative
write of each kind (placing orders, a payment intent, a product, a shop's order status, a review) is a 403 in
the API's JSON error shape, and nothing changes. The same writes with a token need no CSRF token."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from checkout.models import Checkout
from marketplace.models import IdempotencyKey
from marketplace.tests.api_tokens import token_header
from orders.models import Order
from orders.tests.factories import paid_order
from reviews.models import Review

pytestmark = pytest.mark.django_db

ADDRESS = {"email": "s@example.com", "name": "Sasha", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA",
           "country": "GB"}  # fmt: skip


@pytest.fixture
def browser():
    """Like a browser: the test client refuses unsafe requests without the CSRF token it was given."""
    return Client(enforce_csrf_checks=True)


def _refused(response) -> None:
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied" and "CSRF" in body["detail"]


def _csrf(client) -> str:
    client.get("/")
    return client.cookies["csrftoken"].value


def test_placing_orders_needs_the_csrf_token(browser, shopper, vendor_a):
    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"))
    browser.force_login(shopper)
    token = _csrf(browser)
    browser.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json",
                 headers={"X-CSRFToken": token})  # fmt: skip
    forged = browser.post("/api/orders", ADDRESS, content_type="application/json",
                          headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    _refused(forged)
    assert not Checkout.objects.exists() and not IdempotencyKey.objects.exists()
    placed = browser.post("/api/orders", ADDRESS, content_type="application/json", headers={"X-CSRFToken": token})
    assert placed.status_code == 201


def test_a_payment_intent_needs_the_csrf_token(browser, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    browser.force_login(shopper)
    _refused(browser.post("/api/payments/create-intent", {"checkout_id": order.checkout_id},
                          content_type="application/json"))  # fmt: skip


def test_listing_a_product_needs_the_csrf_token(browser, vendor_a):
    browser.force_login(vendor_a.owner)
    body = {"title": "Bowl", "category_id": CategoryFactory().pk, "price": "10.00"}
    count = Product.objects.count()
    _refused(browser.post("/api/products", body, content_type="application/json"))
    assert Product.objects.count() == count
    with_token = Client(enforce_csrf_checks=True)  # a script: token, no cookie, no CSRF token
    assert with_token.post("/api/products", body, content_type="application/json",
                           headers=token_header(vendor_a.owner)).status_code == 201  # fmt: skip


def test_moving_an_order_on_needs_the_csrf_token(browser, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    browser.force_login(vendor_a.owner)
    _refused(browser.put(f"/api/orders/{order.pk}/status", {"status": "processing"}, content_type="application/json"))
    assert Order.objects.get(pk=order.pk).status == "paid"
    # The same session with a token as well: the token authenticates, so no CSRF token is needed.
    moved = browser.put(f"/api/orders/{order.pk}/status", {"status": "processing"}, content_type="application/json",
                        headers=token_header(vendor_a.owner))  # fmt: skip
    assert moved.status_code == 200


def test_writing_a_review_needs_the_csrf_token(browser, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    browser.force_login(shopper)
    product_id = order.items.get().product_id
    _refused(browser.post(f"/api/products/{product_id}/reviews", {"rating": 5, "text": "Lovely"},
                          content_type="application/json"))  # fmt: skip
    assert not Review.objects.exists()
