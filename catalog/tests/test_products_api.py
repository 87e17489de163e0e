"""The product API, vendor A against vendor B on every write, against the OpenAPI schema."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from marketplace.tests.api_tokens import authenticate
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def mugs():
    return CategoryFactory(name="Mugs", slug="mugs")


def _new_product(category, **overrides):
    return {"title": "Speckled mug", "category_id": category.pk, "price": "24.50", "stock_quantity": 3} | overrides


def test_public_list_shows_only_products_on_sale(api, vendor_a, vendor_b):
    on_sale = ProductFactory(vendor=vendor_a)
    ProductFactory(vendor=vendor_a, status=Product.Status.DRAFT)
    hidden_shop = ProductFactory(vendor=vendor_b)
    Vendor.objects.filter(pk=vendor_b.pk).update(status=Vendor.Status.SUSPENDED)
    body = api.get("/api/products").json()
    assert [p["id"] for p in body["results"]] == [on_sale.pk]
    assert hidden_shop.pk not in [p["id"] for p in body["results"]]
    assert body["results"][0]["price"] == "28.00"
    assert body["results"][0]["vendor"]["name"] == "Kiln & Co"


def test_list_filters_by_vendor_and_category_with_descendants(api, vendor_a, vendor_b):
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics")
    cups = CategoryFactory(name="Cups", slug="cups", parent=ceramics)
    cup = ProductFactory(vendor=vendor_a, category=cups)
    ProductFactory(vendor=vendor_b)
    assert [p["id"] for p in api.get("/api/products?category=ceramics").json()["results"]] == [cup.pk]
    assert [p["id"] for p in api.get(f"/api/products?vendor={vendor_a.pk}").json()["results"]] == [cup.pk]
    assert api.get("/api/products?category=nope").json()["count"] == 0
    assert api.get("/api/products?vendor=abc").status_code == 400  # a malformed filter is named, not an empty list


def test_pages_hold_24(api, vendor_a):
    ProductFactory.create_batch(25, vendor=vendor_a)
    body = api.get("/api/products").json()
    assert (body["count"], len(body["results"])) == (25, 24)
    assert body["next"].endswith("page=2")


def test_a_vendor_lists_a_product_and_the_vendor_comes_from_the_login(api, vendor_a, vendor_b, mugs):
    authenticate(api, vendor_a.owner)
    response = api.post(
        "/api/products", _new_product(mugs, vendor=vendor_b.pk, rating=5, slug="hijack", status="active"), format="json"
    )
    assert response.status_code == 400  # fields a vendor may not set are refused by name, not applied
    assert set(response.json()["errors"]) == {"vendor", "rating", "slug"}
    assert not Product.objects.filter(title="Speckled mug").exists()
    response = api.post("/api/products", _new_product(mugs, status="active"), format="json")
    assert response.status_code == 201, response.json()
    product = Product.objects.get(pk=response.json()["id"])
    assert product.vendor == vendor_a  # the vendor comes from the login
    assert product.slug == "speckled-mug"
    assert product.price == Decimal("24.50")
    assert product.status == "active"


def test_a_shopper_without_a_shop_cannot_list(api, shopper, mugs):
    authenticate(api, shopper)
    response = api.post("/api/products", _new_product(mugs), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "no_shop"


def test_anonymous_cannot_list(api, mugs):
    response = api.post("/api/products", _new_product(mugs), format="json")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("price", "field"),
    [("0", "price"), ("-5", "price"), ("100000.01", "price"), ("abc", "price"), ("1.234", "price")],
)
def test_bad_prices_are_refused_with_the_field_named(api, vendor_a, mugs, price, field):
    authenticate(api, vendor_a.owner)
    response = api.post("/api/products", _new_product(mugs, price=price), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_vendor_b_gets_404_on_vendor_as_products(api, vendor_a, vendor_b, mugs, method):
    product = ProductFactory(vendor=vendor_a, title="Ana's bowl")
    authenticate(api, vendor_b.owner)
    response = getattr(api, method)(f"/api/products/{product.pk}", _new_product(mugs, title="Stolen"), format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    product.refresh_from_db()
    assert product.title == "Ana's bowl" and product.status == "active"


def test_draft_products_are_404_to_others_but_readable_by_their_owner(api, vendor_a, vendor_b):
    draft = ProductFactory(vendor=vendor_a, status=Product.Status.DRAFT)
    assert api.get(f"/api/products/{draft.pk}").status_code == 404
    authenticate(api, vendor_b.owner)
    assert api.get(f"/api/products/{draft.pk}").status_code == 404
    authenticate(api, vendor_a.owner)
    assert api.get(f"/api/products/{draft.pk}").json()["status"] == "draft"


def test_owner_edits_price_without_touching_other_fields(api, vendor_a):
    product = ProductFactory(vendor=vendor_a, stock_quantity=7)
    authenticate(api, vendor_a.owner)
    response = api.patch(f"/api/products/{product.pk}", {"price": "31.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] == "31.00"
    assert response.json()["stock_quantity"] == 7


def test_status_moves_the_vendor_may_not_make_are_refused(api, vendor_a):
    product = ProductFactory(vendor=vendor_a, status=Product.Status.ARCHIVED)
    authenticate(api, vendor_a.owner)
    response = api.patch(f"/api/products/{product.pk}", {"status": "active"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_delete_removes_an_unreferenced_product(api, vendor_a):
    product = ProductFactory(vendor=vendor_a)
    authenticate(api, vendor_a.owner)
    assert api.delete(f"/api/products/{product.pk}").status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()


def test_categories_are_listed_in_pages_like_every_list(api):
    CategoryFactory(name="Glass", slug="glass")
    body = api.get("/api/categories").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert {"name": "Glass", "slug": "glass", "parent_id": None}.items() <= body["results"][0].items()


def test_wrong_method_is_405_json(api, vendor_a):
    authenticate(api, vendor_a.owner)
    response = api.put("/api/products", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_responses_match_the_openapi_schema(api, vendor_a, mugs, client):
    """Every documented product path exists in the schema, and a real response has the documented fields."""
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    assert {
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/categories",
        "/api/v1/vendors/{vendor_id}",
    } <= set(paths)
    product_schema = schema["components"]["schemas"]["Product"]
    ProductFactory(vendor=vendor_a)
    item = api.get("/api/products").json()["results"][0]
    assert set(item) == set(product_schema["properties"])
    assert paths["/api/v1/products"]["post"]["security"] == [{"token": []}, {"bearer": []}, {"cookieAuth": []}]
