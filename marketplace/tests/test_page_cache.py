"""Whole guest pages from the cache (marketplace/page_cache.py): fast for guests, never someone else's page."""

import re

import pytest
from django.test import Client

from catalog.services.products import product_set_hidden, product_update
from catalog.tests.factories import ProductFactory
from marketplace.page_cache import CSRF_PLACEHOLDER, HIT_HEADER, NONCE_PLACEHOLDER, placeholder

pytestmark = pytest.mark.django_db

PLACEHOLDERS = (CSRF_PLACEHOLDER, placeholder("cart_count"), NONCE_PLACEHOLDER, "__guest-page-")
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_HX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
_CART = re.compile(r'<span id="cart-count" class="badge">([^<]*)</span>')


def _get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    html = response.content.decode()
    assert not any(p in html for p in PLACEHOLDERS), "a placeholder reached the visitor"
    return response, html


@pytest.fixture
def product():
    return ProductFactory(title="Ash bowl", stock_quantity=5)


def test_a_guests_second_visit_is_served_from_the_cache_without_a_query(product, django_assert_num_queries):
    first, _ = _get(Client(), product.get_absolute_url())
    assert first[HIT_HEADER] == "miss"
    with django_assert_num_queries(0):  # no session, no cart: nothing to look up
        second, warm = _get(Client(), product.get_absolute_url())
    assert second[HIT_HEADER] == "hit"
    assert "Ash bowl" in warm and second["Content-Type"] == first["Content-Type"]
    # Security headers come from the middleware on every response, cached or not.
    assert second["Content-Security-Policy"] and second["X-Frame-Options"] == "DENY"
    # Each copy is one visitor's: no proxy or CDN between may keep it for another.
    assert "private" in first["Cache-Control"] and "private" in second["Cache-Control"]


@pytest.mark.parametrize("url", ["/", "/search?q=bowl", "/c/{category}/", "/p/{product}/", "/shops/{shop}/"])
def test_each_shop_window_page_is_cached_for_guests(product, url):
    url = url.format(category=product.category.slug, product=product.slug, shop=product.vendor.slug)
    assert _get(Client(), url)[0][HIT_HEADER] == "miss"
    assert _get(Client(), url)[0][HIT_HEADER] == "hit"


def test_each_guest_gets_their_own_csrf_token_and_it_works(product):
    Client().get(product.get_absolute_url())  # someone else fills the cache
    guest = Client(enforce_csrf_checks=True)
    response, html = _get(guest, product.get_absolute_url())
    assert response[HIT_HEADER] == "hit"
    form_token, htmx_token = _TOKEN.search(html).group(1), _HX_TOKEN.search(html).group(1)
    assert "csrftoken" in response.cookies  # the cookie the token belongs with
    _, other_html = _get(Client(), product.get_absolute_url())
    assert _TOKEN.search(other_html).group(1) != form_token
    # The token from the cached page is accepted: the guest can buy.
    added = guest.post("/cart/add", {"product": product.pk, "quantity": 1, "csrfmiddlewaretoken": form_token})
    assert added.status_code == 302
    htmx_added = guest.post(
        "/cart/add", {"product": product.pk, "quantity": 1}, headers={"X-CSRFToken": htmx_token, "HX-Request": "true"}
    )
    assert htmx_added.status_code == 200


def test_the_cart_badge_is_each_guests_own(product):
    buyer, browser = Client(), Client()
    buyer.post("/cart/add", {"product": product.pk, "quantity": 2})
    _get(buyer, "/search?q=bowl")  # shows the "added" message: not cached
    _get(browser, "/search?q=bowl")  # cached now, with a placeholder for the count
    response, html = _get(buyer, "/search?q=bowl")
    assert response[HIT_HEADER] == "hit" and _CART.search(html).group(1) == "2"
    response, html = _get(browser, "/search?q=bowl")
    assert response[HIT_HEADER] == "hit" and _CART.search(html).group(1) == "0"


def test_a_page_with_a_message_waiting_is_neither_served_from_nor_put_in_the_cache(product):
    guest = Client()
    _get(Client(), product.get_absolute_url())  # cached, without any message
    guest.post("/cart/add", {"product": product.pk, "quantity": 1})
    response, html = _get(guest, product.get_absolute_url())
    assert HIT_HEADER not in response and "Added" in html
    response, html = _get(Client(), product.get_absolute_url())
    assert response[HIT_HEADER] == "hit" and "Added" not in html


def test_a_signed_in_page_is_never_cached_nor_served_a_guests_copy(product, shopper):
    member = Client()
    member.force_login(shopper)
    _get(Client(), "/")
    response, html = _get(member, "/")
    assert HIT_HEADER not in response and "Log out" in html
    again, html = _get(member, "/")
    assert HIT_HEADER not in again and "Log out" in html
    guest, guest_html = _get(Client(), "/")
    assert guest[HIT_HEADER] == "hit"
    assert "Log out" not in guest_html and shopper.name not in guest_html and shopper.email not in guest_html


def test_an_edit_shows_on_the_next_guest_visit(product, django_capture_on_commit_callbacks):
    _get(Client(), "/search?q=bowl")
    _get(Client(), product.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=product, title="Ash bowl, oiled")
    for url in ("/search?q=bowl", product.get_absolute_url()):
        response, html = _get(Client(), url)
        assert response[HIT_HEADER] == "miss" and "Ash bowl, oiled" in html


def test_a_product_staff_hide_leaves_the_cached_pages_at_once(product, staff, django_capture_on_commit_callbacks):
    _, html = _get(Client(), "/search?q=bowl")
    assert "Ash bowl" in html
    with django_capture_on_commit_callbacks(execute=True):
        product_set_hidden(product=product, hidden=True, by=staff, reason="Counterfeit")
    _, html = _get(Client(), "/search?q=bowl")
    assert "Ash bowl" not in html
    assert Client().get(product.get_absolute_url()).status_code == 404


def test_a_change_to_any_reviews_reaches_the_cached_product_page(product):
    from reviews.services import product_reviews_changed

    _get(Client(), product.get_absolute_url())
    assert _get(Client(), product.get_absolute_url())[0][HIT_HEADER] == "hit"
    product_reviews_changed(product.pk)  # what every review write does
    assert _get(Client(), product.get_absolute_url())[0][HIT_HEADER] == "miss"


def test_a_cached_product_page_still_records_the_guests_recently_viewed(product):
    other = ProductFactory(title="Oak spoon")
    _get(Client(), product.get_absolute_url())
    _get(Client(), other.get_absolute_url())
    guest = Client()
    for viewed in (product, other):
        response, _ = _get(guest, viewed.get_absolute_url())
        assert response[HIT_HEADER] == "hit"
    response, home = _get(guest, "/")
    recently = home[home.index("Recently viewed") :]
    assert recently.index("Oak spoon") < recently.index("Ash bowl")
    # One cached home page for every guest, each with their own strip.
    someone_else, someone_elses = _get(Client(), "/")
    assert someone_else[HIT_HEADER] == "hit" and "Recently viewed" not in someone_elses
    again, home = _get(guest, "/")
    assert again[HIT_HEADER] == "hit" and "Oak spoon" in home[home.index("Recently viewed") :]


def test_a_guests_recently_viewed_strip_without_the_page_cache(product, no_page_cache):
    guest = Client()
    guest.get(product.get_absolute_url())
    _, home = _get(guest, "/")
    assert "Ash bowl" in home[home.index("Recently viewed") :]


def test_an_htmx_request_for_part_of_a_page_gets_that_part(product):
    _get(Client(), "/search?q=bowl")
    response, html = _get(Client(), "/search?q=bowl", headers={"HX-Request": "true", "HX-Target": "search-results"})
    assert response[HIT_HEADER] == "miss" and "<html" not in html and "Ash bowl" in html
    response, html = _get(Client(), "/search?q=bowl")
    assert response[HIT_HEADER] == "hit" and "<html" in html


def test_a_missing_page_is_not_cached(db):
    assert Client().get("/p/nothing-here/").status_code == 404
    response = Client().get("/p/nothing-here/")
    assert response.status_code == 404 and HIT_HEADER not in response


def test_off_when_the_setting_is_zero(product, settings):
    settings.GUEST_PAGE_CACHE_SECONDS = 0
    _get(Client(), product.get_absolute_url())
    assert HIT_HEADER not in _get(Client(), product.get_absolute_url())[0]


def test_a_redis_outage_serves_pages_uncached(product, settings):
    """The cache is an accelerator: with Redis unreachable every page still renders (for everyone's own values)."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    caches._settings = None
    try:
        for _ in range(2):
            response, html = _get(Client(), product.get_absolute_url())
            assert response.status_code == 200 and response[HIT_HEADER] == "miss" and _TOKEN.search(html)
    finally:
        caches._settings = None


def test_the_nonce_placeholder_becomes_this_responses_nonce(rf):
    from django.http import HttpResponse
    from django.middleware.csp import ContentSecurityPolicyMiddleware
    from django.utils.csp import CSP

    from marketplace.page_cache import _personalise

    request = rf.get("/")
    response = HttpResponse(f'<script nonce="{NONCE_PLACEHOLDER}"></script>')
    middleware = ContentSecurityPolicyMiddleware(lambda r: response)
    middleware.process_request(request)
    _personalise(request, response)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    middleware.process_response(request, response)
    assert nonce != NONCE_PLACEHOLDER and f"'nonce-{nonce}'" in response[CSP.HEADER_ENFORCE]


def test_a_hit_reads_the_cache_once(product, monkeypatch, redis_cache):
    """The page and the versions it must match come back in one round trip (Redis is a network hop).
    On Redis, as in production: Django's in-memory cache (what `make test` uses with no REDIS_URL)
    answers get_many with one get per key, which would count as several reads."""
    from django.core.cache import caches

    _get(Client(), product.get_absolute_url())
    reads = []
    backend = caches["default"]  # the Redis one; monkeypatch puts it back before the fixture drops it
    for name in ("get", "get_many", "get_or_set"):
        original = getattr(backend, name)
        monkeypatch.setattr(backend, name, lambda *a, _o=original, _n=name, **k: reads.append(_n) or _o(*a, **k))
    response, _ = _get(Client(), product.get_absolute_url())
    assert response[HIT_HEADER] == "hit" and reads == ["get_many"]


def test_a_page_kept_by_an_older_release_is_drawn_again(product, rf):
    """Entries outlive a deploy: one without the versions this release keeps is never served."""
    import zlib

    from django.core.cache import cache

    from marketplace.page_cache import _key

    url = product.get_absolute_url()
    cache.set(_key(rf.get(url)), {"body": zlib.compress(b"<html>old</html>"), "headers": [], "extra": None}, 60)
    response, html = _get(Client(), url)
    assert response[HIT_HEADER] == "miss" and "Ash bowl" in html
