"""The cart badge on every page (checkout.selectors.cart_item_count): the shopper's own count, in one query."""

import re

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory
from checkout.models import Cart
from checkout.selectors import SESSION_KEY, cart_item_count

pytestmark = pytest.mark.django_db

_BADGE = re.compile(r'<span id="cart-count" class="badge">(\d+)</span>')


def _badge(client) -> int:
    return int(_BADGE.search(client.get("/").content.decode()).group(1))


def test_a_guests_badge_counts_the_items_of_their_own_cart(vendor_a, django_assert_num_queries, rf):
    mug, jug = ProductFactory(vendor=vendor_a), ProductFactory(vendor=vendor_a)
    guest = Client()
    guest.post("/cart/add", {"product": mug.pk, "quantity": 2})
    guest.post("/cart/add", {"product": jug.pk, "quantity": 1})
    assert _badge(guest) == 3 and _badge(Client()) == 0
    request = rf.get("/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    request.session = {SESSION_KEY: Cart.objects.get().pk}
    with django_assert_num_queries(1):
        assert cart_item_count(request) == 3


def test_a_session_pointing_at_a_cart_now_an_accounts_counts_nothing(shopper, vendor_a, rf):
    cart = Cart.objects.create(user=shopper)
    cart.items.create(product=ProductFactory(vendor=vendor_a), quantity=4, price_when_added="28.00")
    request = rf.get("/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    request.session = {SESSION_KEY: cart.pk}
    assert cart_item_count(request) == 0


def test_a_signed_in_shoppers_badge_counts_their_accounts_cart(client, shopper, vendor_a):
    cart = Cart.objects.create(user=shopper)
    cart.items.create(product=ProductFactory(vendor=vendor_a), quantity=2, price_when_added="28.00")
    client.force_login(shopper)
    assert _badge(client) == 2
