"""``/api/favourites`` and ``/api/follows`` with real API tokens: pages, idempotent POST, 404 for what
isn't yours, errors in the API's JSON shape, and the schema's 4xx answers."""

import pytest

from catalog.models import Favourite, Product, ShopFollow
from catalog.tests.factories import ProductFactory
from marketplace.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def auth(user) -> dict:
    _, key = api_token_create(user=user, name="tests")
    return {"Authorization": f"Bearer {key}"}


def test_favouriting_twice_is_200_with_the_same_row(client, shopper):
    mug = ProductFactory(title="Blue mug")
    headers = auth(shopper)
    first = client.post("/api/favourites", {"product_id": mug.pk}, content_type="application/json", headers=headers)
    assert first.status_code == 201
    body = first.json()
    assert body["product_id"] == mug.pk and body["available"] is True and body["created_at"].endswith("Z")
    assert body["product"]["price"] == "28.00" and body["product"]["currency"] == "USD"
    again = client.post("/api/favourites", {"product_id": mug.pk}, content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Favourite.objects.count() == 1


def test_the_list_is_paginated_newest_first(client, shopper, vendor_a):
    products = ProductFactory.create_batch(5, vendor=vendor_a)
    for product in products:
        Favourite.objects.create(user=shopper, product=product)
    headers = auth(shopper)
    page = client.get("/api/favourites", {"page_size": 2}, headers=headers).json()
    assert page["count"] == 5 and page["previous"] is None and "page=2" in page["next"]
    assert [r["product_id"] for r in page["results"]] == [products[4].pk, products[3].pk]
    last = client.get("/api/favourites", {"page_size": 2, "page": 3}, headers=headers).json()
    assert [r["product_id"] for r in last["results"]] == [products[0].pk] and last["next"] is None


def test_a_hidden_product_is_listed_as_unavailable_and_cannot_be_added(client, shopper):
    mug = ProductFactory()
    Favourite.objects.create(user=shopper, product=mug)
    Product.objects.filter(pk=mug.pk).update(status=Product.Status.ARCHIVED)
    headers = auth(shopper)
    assert client.get("/api/favourites", headers=headers).json()["results"][0]["available"] is False
    draft = ProductFactory(status=Product.Status.DRAFT)
    response = client.post(
        "/api/favourites", {"product_id": draft.pk}, content_type="application/json", headers=headers
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"  # as the cart answers


def test_bad_bodies_are_400_in_the_api_error_shape(client, shopper):
    headers = auth(shopper)
    for body in ({}, {"product_id": "x"}, {"product_id": -1}):
        response = client.post("/api/favourites", body, content_type="application/json", headers=headers)
        assert response.status_code == 400 and response.json()["code"] == "invalid", body
        assert "product_id" in response.json()["errors"]


def test_delete_removes_only_your_own_and_404s_otherwise(client, shopper, other_shopper):
    mug = ProductFactory()
    Favourite.objects.create(user=shopper, product=mug)
    other = auth(other_shopper)
    assert client.get("/api/favourites", headers=other).json()["count"] == 0  # can't see it
    response = client.delete(f"/api/favourites/{mug.pk}", headers=other)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Favourite.objects.filter(user=shopper).exists()
    mine = auth(shopper)
    assert client.delete(f"/api/favourites/{mug.pk}", headers=mine).status_code == 204
    assert client.delete(f"/api/favourites/{mug.pk}", headers=mine).status_code == 404


def test_anonymous_callers_are_refused(client):
    mug = ProductFactory()
    assert client.get("/api/favourites").status_code == 401
    response = client.post("/api/favourites", {"product_id": mug.pk}, content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert client.get("/api/follows").status_code == 401
    assert client.delete(f"/api/favourites/{mug.pk}").status_code == 401
    assert not Favourite.objects.exists()


def test_follows_mirror_favourites(client, shopper, other_shopper, vendor_a, vendor_b):
    headers = auth(shopper)
    first = client.post("/api/follows", {"shop_id": vendor_a.pk}, content_type="application/json", headers=headers)
    assert first.status_code == 201 and first.json()["shop"]["name"] == "Kiln & Co"
    again = client.post("/api/follows", {"shop_id": vendor_a.pk}, content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    vendor_b.status = "suspended"
    vendor_b.save()
    closed = client.post("/api/follows", {"shop_id": vendor_b.pk}, content_type="application/json", headers=headers)
    assert closed.status_code == 404 and closed.json()["code"] == "not_found"
    listed = client.get("/api/follows", headers=headers).json()
    assert listed["count"] == 1 and listed["results"][0]["shop_id"] == vendor_a.pk
    other = auth(other_shopper)
    assert client.delete(f"/api/follows/{vendor_a.pk}", headers=other).status_code == 404
    assert client.delete(f"/api/follows/{vendor_a.pk}", headers=headers).status_code == 204
    assert not ShopFollow.objects.exists()


def test_the_schema_documents_the_routes_and_their_4xx(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/favourites"]) and "delete" in paths["/api/v1/favourites/{product_id}"]
    assert {"get", "post"} <= set(paths["/api/v1/follows"]) and "delete" in paths["/api/v1/follows/{shop_id}"]
    assert {"200", "201", "400", "401"} <= set(paths["/api/v1/favourites"]["post"]["responses"])
    assert "404" in paths["/api/v1/favourites/{product_id}"]["delete"]["responses"]
    assert "404" in paths["/api/v1/follows/{shop_id}"]["delete"]["responses"]


def test_the_list_can_be_narrowed_to_a_page_of_cards(client, shopper):
    liked, other, also_liked = ProductFactory(), ProductFactory(), ProductFactory()
    for product in (liked, also_liked):
        Favourite.objects.create(user=shopper, product=product)
    headers = auth(shopper)
    response = client.get("/api/favourites", {"product_ids": f"{liked.pk},{other.pk}"}, headers=headers)
    assert [r["product_id"] for r in response.json()["results"]] == [liked.pk]
    for bad in ("", "1,x", ",".join(str(n) for n in range(1, 102))):
        response = client.get("/api/favourites", {"product_ids": bad}, headers=headers)
        assert response.status_code == 400 and "product_ids" in response.json()["errors"], bad


def test_the_schema_gives_the_lists_the_page_shape(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    get = schema["paths"]["/api/v1/favourites"]["get"]
    assert {"page", "page_size", "product_ids"} <= {p["name"] for p in get["parameters"]}
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"count", "next", "previous", "results"} <= set(schema["components"]["schemas"][ref]["properties"])
