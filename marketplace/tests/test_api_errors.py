"""One error body, ``{code, detail, errors?}``, on every 4xx and 5xx under /api/, DEBUG or not."""

import logging

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory
from marketplace.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def _is_error_body(response, code: str) -> None:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"code", "detail", "errors"}


@pytest.mark.parametrize("path", ["/api/nope", "/api/v1/nope", "/api/products/999999999", "/api/v1/orders/x"])
def test_an_unknown_api_path_is_a_json_404(client, debug, path):
    response = client.get(path)
    assert response.status_code == 404
    _is_error_body(response, "not_found")


def test_a_wrong_method_on_a_plain_django_view_is_a_json_405(client, debug):
    response = client.get("/api/payments/webhook")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    _is_error_body(response, "method_not_allowed")


def test_a_wrong_method_on_a_drf_view_is_a_json_405(client, debug):
    response = client.delete("/api/v1/categories")
    assert response.status_code == 405
    _is_error_body(response, "method_not_allowed")


def test_an_unexpected_exception_is_a_logged_json_500(client, debug, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr("catalog.api.views.selectors.product_list_visible", broken)
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/products")
    assert response.status_code == 500
    _is_error_body(response, "server_error")
    assert "fire" not in response.content.decode()
    assert any(record.exc_info and "fire" in str(record.exc_info[1]) for record in caplog.records)


def test_a_body_over_the_upload_limit_is_a_json_413(client, debug, vendor_a, settings):
    client.force_login(vendor_a.owner)
    client.raise_request_exception = False
    body = '{"title": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = client.post("/api/v1/products", body, content_type="application/json")
    assert response.status_code == 413
    _is_error_body(response, "too_large")


def test_an_unreadable_request_is_a_json_400(client, debug):
    # A Host header Django refuses: a SuspiciousOperation raised while reading the request.
    client.raise_request_exception = False
    response = client.get("/api/v1/categories", HTTP_HOST="bad host!")
    assert response.status_code == 400
    _is_error_body(response, "parse_error")


def test_a_session_write_without_the_csrf_token_is_refused_in_json(shopper, debug):
    product = ProductFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)
    response = browser.post("/api/v1/cart/items", {"product_id": product.pk}, content_type="application/json")
    assert response.status_code == 403
    _is_error_body(response, "permission_denied")
    assert "CSRF" in response.json()["detail"]

    browser.get("/")  # the site's pages set the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/cart/items", {"product_id": product.pk}, content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert response.status_code == 201, response.json()


def test_a_token_write_needs_no_csrf_token(shopper):
    product = ProductFactory()
    _, key = api_token_create(user=shopper, name="script")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/cart/items", {"product_id": product.pk}, content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )  # fmt: skip
    assert response.status_code == 201, response.json()


def test_field_errors_are_keyed_by_the_parameters_own_name(client):
    response = client.get("/api/v1/search", {"price_min": "cheap"})
    assert response.status_code == 400
    _is_error_body(response, "invalid")
    assert list(response.json()["errors"]) == ["price_min"]
    response = client.get("/api/v1/products", {"page_size": "101"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/products/99999999999999999999", "/api/v1/vendors/9223372036854775808", "/api/v1/orders/1" + "0" * 30],
)
def test_an_id_too_big_for_the_database_is_a_404_not_a_500(client, path):
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 404
    _is_error_body(response, "not_found")


def test_unknown_body_fields_are_refused_by_name_not_ignored(client, shopper):
    """A misspelt or old field name (``unitPrice``, ``product``) would otherwise be dropped without a word."""
    product = ProductFactory()
    _, key = api_token_create(user=shopper, name="script")
    response = client.post(
        "/api/v1/cart/items", {"product_id": product.pk, "product": product.pk, "qty": 2},
        content_type="application/json", headers={"Authorization": f"Token {key}"},
    )  # fmt: skip
    assert response.status_code == 400
    _is_error_body(response, "invalid")
    assert response.json()["errors"] == {"product": ["Unknown field."], "qty": ["Unknown field."]}


def test_a_page_past_the_end_is_a_404_and_a_bad_page_size_a_400(client):
    ProductFactory()
    response = client.get("/api/v1/categories", {"page": 5})
    assert response.status_code == 404
    _is_error_body(response, "not_found")
    response = client.get("/api/v1/search", {"page": 5})
    assert response.status_code == 404
    _is_error_body(response, "not_found")
    for bad in ("0", "101", "x"):
        response = client.get("/api/v1/categories", {"page_size": bad})
        assert response.status_code == 400 and list(response.json()["errors"]) == ["page_size"]
    # Given but empty is not "absent" (schemathesis sent ``page=``; it was read as page 1).
    for name in ("page", "page_size"):
        response = client.get("/api/v1/categories", {name: ""})
        assert response.status_code == 400 and list(response.json()["errors"]) == [name]


def test_an_error_inside_a_list_is_reported_under_the_fields_own_name_as_text(client, vendor_a):
    """``errors`` is always ``{field: [str]}`` (the Error schema), even for the second of three tags."""
    from catalog.tests.factories import CategoryFactory

    client.force_login(vendor_a.owner)
    body = {"title": "Bowl", "category_id": CategoryFactory().pk, "price": "9.00", "tags": ["ok", "y" * 50]}
    response = client.post("/api/v1/products", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"tags": ["[1] Ensure this field has no more than 40 characters."]}


def test_a_query_parameter_given_twice_or_of_the_wrong_type_is_a_400_naming_it(client, vendor_a):
    """Found by schemathesis: ``?vendor=false&vendor=-7e16`` listed nothing with a 200, as if it were a filter."""
    ProductFactory(vendor=vendor_a)
    response = client.get("/api/v1/products", {"vendor": [vendor_a.pk, vendor_a.pk]})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["vendor"]
    _is_error_body(response, "invalid")
    for bad in ("false", "-7", "2.5e3"):
        response = client.get("/api/v1/products", {"vendor": bad})
        assert response.status_code == 400 and list(response.json()["errors"]) == ["vendor"], bad
    assert client.get("/api/v1/products", {"vendor": vendor_a.pk}).json()["count"] == 1
