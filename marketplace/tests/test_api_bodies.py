"""What the API accepts as a request body: bounded in nesting and size, answered with the API's error body."""

import pytest

from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def maker(client, vendor_a):
    client.force_login(vendor_a.owner)
    return vendor_a


def _post_raw(client, body: bytes | str, url="/api/products"):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("depth", [100_000, 5_000, 40])
def test_deeply_nested_arrays_are_a_400_not_a_crash(client, maker, depth):
    client.raise_request_exception = False
    response = _post_raw(client, "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nested" in response.json()["detail"]


def test_deeply_nested_objects_are_refused_too(client, maker):
    client.raise_request_exception = False
    body = '{"a":' * 5_000 + "1" + "}" * 5_000
    response = _post_raw(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_brackets_inside_strings_do_not_count_as_nesting(client, maker):
    category = CategoryFactory()
    response = _post_raw(
        client,
        '{"title": "Bowl", "description": "' + "[[[{{{" * 500 + '", "price": "9.00", "stock_quantity": 1,'
        f' "category_id": {category.pk}}}',
    )
    assert response.status_code == 201, response.json()


def test_a_guest_cart_write_is_bounded_as_well(client):
    client.raise_request_exception = False
    response = _post_raw(client, "[" * 100_000 + "]" * 100_000, url="/api/cart/items")
    assert response.status_code in (400, 403)  # 403 when CSRF is checked first; never a 500
    assert response.json()["code"] in ("parse_error", "permission_denied")


def test_an_oversized_json_body_is_refused(client, maker, settings):
    client.raise_request_exception = False
    body = '{"title": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    response = _post_raw(client, body)
    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "detail": "The request is too large."}


def test_upload_limit_is_sane():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2 * 1024 * 1024


def test_malformed_json_is_a_parse_error(client, maker):
    response = _post_raw(client, '{"title": ')
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
