"""ETag, 304 and Cache-Control on the API's public reads: shared for a minute when anonymous, never when
signed in."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory
from marketplace.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(vendor_a):
    return ProductFactory(vendor=vendor_a, price=Decimal("12.00"), title="Blue mug")


@pytest.fixture
def reads(mug):
    return [
        "/api/products",
        f"/api/products/{mug.pk}",
        "/api/categories",
        "/api/search?q=mug",
        f"/api/vendors/{mug.vendor_id}",
        f"/api/products/{mug.pk}/reviews",
    ]


def _token(user) -> dict:
    return {"Authorization": f"Token {api_token_create(user=user, name='script')[1]}"}


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


def test_anonymous_reads_are_public_for_a_minute_with_a_strong_etag(client, reads):
    for url in reads:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer["Cache-Control"] == "public, max-age=60", url
        etag = answer["ETag"]
        assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/"), url
        assert {"authorization", "cookie"} <= _vary(answer), url


def test_the_same_body_has_the_same_etag_and_a_304_answers_a_match(client, reads):
    for url in reads:
        first = client.get(url)
        again = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == first["ETag"] and again["Cache-Control"] == first["Cache-Control"]
        other = client.get(url, headers={"If-None-Match": '"not-it", ' + first["ETag"]})
        assert other.status_code == 304  # any of a list matches
        assert client.get(url, headers={"If-None-Match": '"stale"'}).content == first.content


def test_a_change_changes_the_etag(client, mug):
    url = f"/api/products/{mug.pk}"
    before = client.get(url)["ETag"]
    mug.price = Decimal("14.00")
    mug.save()
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after["ETag"] != before


@pytest.mark.parametrize("how", ["token", "session"])
def test_a_signed_in_answer_is_never_public(client, reads, shopper, vendor_a, how):
    for reader in (shopper, vendor_a.owner):  # the shop's owner reads its own shop and products: its own view
        headers = {}
        if how == "token":
            headers = _token(reader)
        else:
            client.force_login(reader)
        for url in reads:
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200, url
            assert "public" not in answer["Cache-Control"], url
            assert answer["Cache-Control"] == "private, no-cache"
            assert client.get(url, headers={**headers, "If-None-Match": answer["ETag"]}).status_code == 304


def test_the_owners_view_and_the_publics_differ_and_so_do_their_etags(mug, vendor_a):
    url = f"/api/vendors/{vendor_a.pk}"
    public = Client().get(url)
    own = Client().get(url, headers=_token(vendor_a.owner))
    assert own.content != public.content and own["ETag"] != public["ETag"]


def test_errors_and_writes_get_no_etag(client, vendor_a):
    missing = client.get("/api/products/999999")
    assert missing.status_code == 404 and "ETag" not in missing
    assert missing["Cache-Control"] == "private, no-store"
    created = client.post("/api/products", {"title": "x"}, content_type="application/json",
                          headers=_token(vendor_a.owner))  # fmt: skip
    assert "ETag" not in created and "public" not in created.get("Cache-Control", "")


def test_personal_reads_are_not_stored(client, shopper):
    answer = client.get("/api/orders", headers=_token(shopper))
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "private, no-store" and "ETag" not in answer


@pytest.mark.parametrize("url", ["/api/cart", "/api/me", "/api/products/999999", "/api/orders/999999"])
def test_other_api_answers_are_not_stored_anywhere(client, shopper, url):
    answer = client.get(url, headers=_token(shopper))
    assert answer["Cache-Control"] == "private, no-store"


def test_a_views_own_cache_control_is_kept(client):
    assert "no-store" in client.get("/api/health")["Cache-Control"]  # never_cache's own words
    assert "no-store" not in client.get("/").get("Cache-Control", "")  # site pages: their own rules
