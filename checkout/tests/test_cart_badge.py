"""The cart badge on every page (checkout.selectors.cart_item_count): the shopper's own count, in one query, and
for a guest kept in the cache beside their cached pages, right after every change to their cart."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, CartItem
from checkout.selectors import SESSION_KEY, cart_item_count, store_counted

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
    cache.clear()
    with django_assert_num_queries(1):  # counted once...
        assert cart_item_count(request) == 3
    with django_assert_num_queries(0):  # ...then kept
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


# --- The count kept in the cache, so a cached page costs a guest with a cart no query ------------


def _guest_with(vendor, *quantities) -> tuple[Client, Cart, list]:
    products = [ProductFactory(vendor=vendor, stock_quantity=20) for _ in quantities]
    guest = Client()
    for product, quantity in zip(products, quantities, strict=True):
        guest.post("/cart/add", {"product": product.pk, "quantity": quantity})
    guest.get("/")  # shows (and so uses up) the "added" message
    return guest, Cart.objects.get(), products


def test_a_cached_page_shows_a_guests_cart_without_a_database_query(redis_cache, vendor_a, django_assert_num_queries):
    guest, _cart, _ = _guest_with(vendor_a, 2, 1)
    assert _badge(guest) == 3  # drawn, then counted once and the count kept
    with django_assert_num_queries(0):  # the page, its versions and the count: one round trip to Redis
        assert _badge(guest) == 3
    assert _badge(Client()) == 0


def test_the_badge_follows_a_change_made_outside_the_shoppers_own_requests(
    redis_cache, vendor_a, django_capture_on_commit_callbacks
):
    guest, cart, (mug, jug) = _guest_with(vendor_a, 2, 1)
    assert _badge(guest) == 3
    # A paid checkout takes the sold items out of the cart (checkout.payments), from a webhook.
    with django_capture_on_commit_callbacks(execute=True):
        CartItem.objects.filter(cart=cart, product=mug).delete()
    assert _badge(guest) == 1
    # A change through the staff dashboard (the cart's inline) saves the line itself.
    with django_capture_on_commit_callbacks(execute=True):
        line = CartItem.objects.get(cart=cart, product=jug)
        line.quantity = 5
        line.save()
    assert _badge(guest) == 5
    with django_capture_on_commit_callbacks(execute=True):
        cart.delete()
    assert _badge(guest) == 0


def test_a_change_shows_at_once_in_its_own_transaction(redis_cache, vendor_a):
    guest, cart, _ = _guest_with(vendor_a, 2)
    assert _badge(guest) == 2
    line = CartItem.objects.get(cart=cart)
    line.quantity = 1
    line.save()  # not committed (the test's transaction): the kept count is dropped at once all the same
    assert _badge(guest) == 1


def test_a_count_read_before_a_change_never_overwrites_the_one_the_change_kept(
    redis_cache, vendor_a, django_capture_on_commit_callbacks, rf
):
    _guest, cart, _ = _guest_with(vendor_a, 2)
    request = rf.get("/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    request.session = {SESSION_KEY: cart.pk}
    with django_capture_on_commit_callbacks(execute=True):
        line = CartItem.objects.get(cart=cart)
        line.quantity = 7
        line.save()
    # A reader that counted 2 before that commit stores its count only where none is kept.
    store_counted(cart.pk, 2)
    assert cart_item_count(request) == 7


def test_without_redis_the_badge_is_counted_in_the_database(redis_cache, vendor_a, settings):
    guest, _cart, _ = _guest_with(vendor_a, 3)
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    caches._settings = None
    assert _badge(guest) == 3


def test_a_count_that_fails_after_the_commit_is_logged_not_the_shoppers_error(
    redis_cache, vendor_a, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    guest, cart, _ = _guest_with(vendor_a, 1)

    def broken(cart_id):
        raise RuntimeError("database gone after the commit")

    monkeypatch.setattr("checkout.receivers.guest_cart_count", broken)
    with django_capture_on_commit_callbacks(execute=True):
        line = CartItem.objects.get(cart=cart)
        line.quantity = 2
        line.save()  # committed: its count could not be kept, which must not undo or fail it
    assert "database gone after the commit" in caplog.text
    assert _badge(guest) == 2  # the kept count was dropped before the commit: counted afresh
