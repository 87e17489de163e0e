"""The add-to-cart form: where it sends the shopper back to, and what it says when it can't add."""

import pytest

from catalog.tests.factories import ProductFactory
from checkout.models import CartItem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example",
        "http://testserver/cart/",  # same host, but absolute: only paths are followed
        "javascript:alert(1)",
        "foo",
        "checkout:cart",
        "",
    ],
)
def test_add_to_cart_never_follows_a_foreign_or_bad_next(client, vendor_a, next_url):
    product = ProductFactory(vendor=vendor_a)
    for quantity in (0, 1):  # a refused form, then a successful add
        response = client.post("/cart/add", {"product": product.pk, "quantity": quantity, "next": next_url})
        assert response.status_code == 302
        assert response["Location"].startswith("/") and not response["Location"].startswith("//")
        assert "evil" not in response["Location"]
    assert CartItem.objects.get().quantity == 1


def test_add_to_cart_follows_a_same_site_path(client, vendor_a):
    product = ProductFactory(vendor=vendor_a)
    response = client.post("/cart/add", {"product": product.pk, "quantity": 1, "next": "/search?q=mug"})
    assert response["Location"] == "/search?q=mug"
    response = client.post("/cart/add", {"product": product.pk, "quantity": 0, "next": "/search?q=mug"})
    assert response["Location"] == "/search?q=mug"


def test_a_bad_quantity_with_htmx_answers_the_message_in_place(client, vendor_a):
    product = ProductFactory(vendor=vendor_a)
    response = client.post("/cart/add", {"product": product.pk, "quantity": 0}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="add-result"')
    assert "Choose a quantity from 1 to 999." in body and "Added to your cart" not in body
    assert not CartItem.objects.exists()
