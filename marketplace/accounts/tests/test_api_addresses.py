"""/api/addresses, /api/me and /api/me/export, authenticated with real personal tokens."""

import pytest

from marketplace.accounts.models import Address
from marketplace.accounts.services import address_create, api_token_create

pytestmark = pytest.mark.django_db

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}
WORK = {"name": "Sasha Shopper", "line1": "9 Quay", "city": "Bristol", "postcode": "BS1 4DJ", "country": "GB"}


def _auth(user) -> dict:
    _, key = api_token_create(user=user, name="test")
    return {"Authorization": f"Token {key}"}


def test_create_list_change_default_and_delete(client, shopper):
    auth = _auth(shopper)
    created = client.post("/api/addresses", {**HOME, "label": "Home"}, content_type="application/json", headers=auth)
    assert created.status_code == 201
    home = created.json()
    assert home["is_default"] is True and home["postcode"] == "BA1 1AA" and home["created_at"].endswith("Z")
    work = client.post("/api/addresses", WORK, content_type="application/json", headers=auth).json()
    assert work["is_default"] is False

    listed = client.get("/api/addresses", headers=auth).json()
    assert listed["count"] == 2 and [a["id"] for a in listed["results"]] == [home["id"], work["id"]]
    assert set(listed) == {"count", "next", "previous", "results"}

    changed = client.put(
        f"/api/addresses/{work['id']}",
        {**WORK, "line1": "10 Quay", "is_default": True},
        content_type="application/json",
        headers=auth,
    )
    assert changed.status_code == 200 and changed.json()["line1"] == "10 Quay" and changed.json()["is_default"]
    assert Address.objects.get(pk=home["id"]).is_default is False

    assert client.delete(f"/api/addresses/{work['id']}", headers=auth).status_code == 204
    assert Address.objects.get(pk=home["id"]).is_default is True
    assert client.get(f"/api/addresses/{work['id']}", headers=auth).status_code == 404


def test_a_bad_postcode_is_a_field_error(client, shopper):
    response = client.post(
        "/api/addresses", {**HOME, "country": "US"}, content_type="application/json", headers=_auth(shopper)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "postcode" in body["errors"]


def test_a_full_book_is_a_json_refusal(client, shopper):
    for n in range(Address.MAX_PER_USER):
        address_create(user=shopper, fields={**WORK, "line1": f"{n} Quay"})
    response = client.post("/api/addresses", HOME, content_type="application/json", headers=_auth(shopper))
    assert response.status_code == 400 and response.json()["code"] == "address_book_full"


def test_another_shoppers_address_is_404_for_every_method(client, shopper, other_shopper):
    theirs = address_create(user=other_shopper, fields=HOME)
    auth = _auth(shopper)
    url = f"/api/addresses/{theirs.pk}"
    assert client.get(url, headers=auth).status_code == 404
    assert client.put(url, WORK, content_type="application/json", headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404
    assert client.get(url, headers=auth).json()["code"] == "not_found"
    assert client.get("/api/addresses", headers=auth).json()["count"] == 0
    assert Address.objects.get(pk=theirs.pk).line1 == "1 High St"


def test_anonymous_gets_401_json(client):
    for response in (client.get("/api/addresses"), client.get("/api/me/export"), client.get("/api/addresses/1")):
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_me_says_who_and_what(client, shopper, vendor_a):
    address_create(user=shopper, fields=HOME)
    me = client.get("/api/me", headers=_auth(shopper)).json()
    assert me["email"] == shopper.email and me["has_shop"] is False and me["shop_id"] is None
    assert me["address_count"] == 1 and me["default_address_id"] == shopper.addresses.get().pk
    assert me["created_at"].endswith("Z")
    owner = client.get("/api/me", headers=_auth(vendor_a.owner)).json()
    assert owner["has_shop"] is True and owner["shop_id"] == vendor_a.pk


def test_export_is_the_same_document_as_the_download_and_only_mine(client, shopper, other_shopper):
    address_create(user=shopper, fields=HOME)
    address_create(user=other_shopper, fields={**WORK, "line1": "77 Secret Lane"})
    api = client.get("/api/me/export", headers=_auth(shopper))
    assert api.status_code == 200
    client.force_login(shopper)
    download = client.get("/account/privacy/export").json()
    body = api.json()
    for doc in (body, download):
        doc.pop("exported_at")
        doc["account"].pop("last_login_at")  # signing in for the download is a login
        doc["api_tokens"][0].pop("last_used_at")
    assert body == download
    assert body["addresses"][0]["created_at"].endswith("Z")
    assert "77 Secret Lane" not in api.content.decode() and other_shopper.email not in api.content.decode()
