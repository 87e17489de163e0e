"""Who may write through the API: CSRF for every cookie-carrying caller (guests too), tokens
without it, and a limit on wrong tokens per client."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client():
    """A client that, like a browser, must show the CSRF token the site gave it."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def mug(vendor_a):
    return ProductFactory(vendor=vendor_a, price=Decimal("12.00"), stock_quantity=5)


def _csrf(client) -> str:
    client.get("/")  # any page sets the csrftoken cookie
    return client.cookies["csrftoken"].value


def _items(client) -> int:
    return client.get("/api/cart").json()["items"]


def test_a_guest_with_a_session_cannot_add_to_the_cart_without_the_csrf_token(browser_client, mug):
    token = _csrf(browser_client)
    added = browser_client.post(
        "/api/cart/items", {"product_id": mug.pk}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert added.status_code == 201
    assert "sessionid" in browser_client.cookies  # the guest now carries a session: their cart

    forged = browser_client.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json")
    assert forged.status_code == 403
    assert forged.json()["code"] == "permission_denied"
    assert "CSRF" in forged.json()["detail"]
    assert _items(browser_client) == 1


def test_a_guest_cannot_change_or_remove_a_line_without_the_token(browser_client, mug):
    token = _csrf(browser_client)
    body = browser_client.post(
        "/api/cart/items",
        {"product_id": mug.pk, "quantity": 2},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    ).json()
    line = body["shops"][0]["lines"][0]["id"]
    assert (
        browser_client.patch(f"/api/cart/items/{line}", {"quantity": 1}, content_type="application/json").status_code
        == 403
    )
    assert browser_client.delete(f"/api/cart/items/{line}").status_code == 403
    assert _items(browser_client) == 2
    assert browser_client.delete(f"/api/cart/items/{line}", headers={"X-CSRFToken": token}).json()["items"] == 0


def test_a_cross_site_post_without_any_cookie_is_refused_too(browser_client, mug):
    response = browser_client.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json")
    assert response.status_code == 403


def test_a_signed_in_session_needs_the_token_as_before(browser_client, shopper, mug):
    browser_client.force_login(shopper)
    response = browser_client.post("/api/cart/items", {"product_id": mug.pk}, content_type="application/json")
    assert response.status_code == 403


def test_reads_need_no_token(browser_client, mug):
    assert browser_client.get("/api/cart").status_code == 200
    assert browser_client.get("/api/products").status_code == 200


def test_a_script_with_an_api_token_needs_no_csrf_token(browser_client, shopper, mug):
    from marketplace.accounts.services import api_token_create

    _, key = api_token_create(user=shopper, name="script")
    response = browser_client.post(
        "/api/cart/items",
        {"product_id": mug.pk},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201


# --- Wrong tokens ----------------------------------------------------------------

LIMIT = 20  # failures per client per 10 minutes (API_AUTH_FAILURE_LIMIT's default)


def _me(client, key: str, ip: str = "203.0.113.7"):
    return client.get("/api/me", headers={"Authorization": f"Bearer {key}"}, REMOTE_ADDR=ip)


def test_wrong_tokens_from_one_client_are_throttled(client):
    answers = [_me(client, f"mkt_guess{n:04d}").status_code for n in range(LIMIT + 5)]
    assert answers[:LIMIT] == [401] * LIMIT
    assert answers[LIMIT:] == [429] * 5
    response = _me(client, "mkt_another-guess")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_throttled_client_is_refused_even_with_a_good_token(client, shopper):
    from marketplace.accounts.services import api_token_create

    _, key = api_token_create(user=shopper, name="script")
    assert _me(client, key).status_code == 200
    for n in range(LIMIT):
        _me(client, f"mkt_guess{n:04d}")
    assert _me(client, key).status_code == 429
    assert _me(client, key, ip="198.51.100.20").status_code == 200  # another client is unaffected


def test_good_tokens_do_not_count_as_failures(client, shopper):
    from marketplace.accounts.services import api_token_create

    _, key = api_token_create(user=shopper, name="script")
    for _ in range(LIMIT + 5):
        assert _me(client, key).status_code == 200


def test_a_malformed_authorization_header_counts_as_a_failure(client):
    for _ in range(LIMIT):
        client.get("/api/me", headers={"Authorization": "Bearer"}, REMOTE_ADDR="203.0.113.9")
    assert _me(client, "mkt_x", ip="203.0.113.9").status_code == 429


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(client):
    for n in range(LIMIT):
        client.get(
            "/api/me",
            headers={"Authorization": f"Bearer mkt_guess{n}", "X-Forwarded-For": f"10.0.0.{n}"},
            REMOTE_ADDR="203.0.113.11",
        )
    assert _me(client, "mkt_x", ip="203.0.113.11").status_code == 429


def test_the_api_throttles_key_on_the_real_client_address_not_a_forged_header(rf):
    from marketplace.api import AnonRateThrottle, UserRateThrottle

    request = rf.get("/api/products", HTTP_X_FORWARDED_FOR="10.9.8.7", REMOTE_ADDR="203.0.113.12")
    assert AnonRateThrottle().get_ident(request) == "203.0.113.12"
    assert UserRateThrottle().get_ident(request) == "203.0.113.12"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.4", "198.51.100.4"),
        ("10.0.0.1, 198.51.100.4", "198.51.100.4"),  # only the hop our proxy added is trusted
        ("198.51.100.4:51234", "198.51.100.4"),  # App Service adds the client's port
        ("[2001:db8::5]:443", "2001:db8::5"),
        ("2001:db8::5", "2001:db8::5"),
        ("not-an-address", "203.0.113.12"),
        ("", "203.0.113.12"),
    ],
)
def test_behind_one_proxy_the_client_is_the_last_forwarded_hop(rf, settings, forwarded, expected):
    from marketplace.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="203.0.113.12")
    assert client_ip(request) == expected
