"""The schema follows the house style (docs/api.md) everywhere, so a route added later is held to it too."""

import re

import pytest

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Names that aren't ours to choose: HTTP headers.
NOT_OURS = {"Stripe-Signature", "Idempotency-Key", "If-None-Match", "Authorization"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _property_names(node, where=""):
    """Every property name in a schema tree, with where it was found."""
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            yield name, where
            yield from _property_names(value, f"{where}.{name}")
        for key, value in node.items():
            if key != "properties":
                yield from _property_names(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from _property_names(item, where)


def test_every_property_and_parameter_is_snake_case(schema):
    bad = [
        f"{name} in {component}{where}"
        for component, body in schema["components"]["schemas"].items()
        for name, where in _property_names(body)
        if not SNAKE.match(name)
    ]
    for path, method, operation in _operations(schema):
        bad += [
            f"parameter {p['name']} of {method.upper()} {path}"
            for p in operation.get("parameters", [])
            if p["name"] not in NOT_OURS and not SNAKE.match(p["name"])
        ]
        for answer in operation["responses"].values():
            for media in answer.get("content", {}).values():
                bad += [f"{name} in {method.upper()} {path}" for name, _ in _property_names(media.get("schema", {}))
                        if not SNAKE.match(name)]  # fmt: skip
    assert not bad, bad


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_every_list_is_paginated_the_one_way(schema):
    lists = []
    for path, method, operation in _operations(schema):
        if method != "get":
            continue
        body = _resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert body.get("type") != "array", f"GET {path} answers a bare array: use marketplace.api.Pages"
        results = body.get("properties", {}).get("results")
        if results is None:
            continue
        lists.append(path)
        assert {"count", "next", "previous", "results"} <= set(body["properties"]), path
        assert _resolve(schema, results)["type"] == "array", path
        parameters = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
        assert {"page", "page_size"} <= set(parameters), f"GET {path} doesn't take page and page_size"
        assert parameters["page_size"].get("maximum") == 100, path
    assert {"/api/v1/products", "/api/v1/search", "/api/v1/categories", "/api/v1/orders"} <= set(lists)


def test_every_operation_documents_its_errors_with_the_one_error_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "detail", "errors"}
    for path, method, operation in _operations(schema):
        label = f"{method.upper()} {path}"
        errors = {status: answer for status, answer in operation["responses"].items() if status[0] in "45"}
        assert any(status.startswith("4") for status in errors), f"{label} documents no 4xx"
        for status, answer in errors.items():
            assert answer["content"]["application/json"]["schema"] == error, f"{label} {status}"
            assert answer["description"], f"{label} {status} says nothing"
        if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in errors, label
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in errors, label
        security = operation.get("security", [])
        if security and {} not in security:
            assert "401" in errors, label
        if not path.endswith("webhook"):  # Stripe retries on its own schedule; no throttle there
            assert "429" in errors, f"{label}: every API view is throttled"
            assert "Retry-After" in errors["429"]["headers"], label


def test_the_version_auth_and_webhooks_are_stated(schema):
    assert schema["info"]["version"] == "1.0.0" and "/api/v1/" in schema["info"]["description"]
    paths = list(schema["paths"])
    assert all(path.startswith("/api/v1/") for path in paths), "the schema lists the canonical paths only"
    assert len(paths) == len(set(paths))
    schemes = schema["components"]["securitySchemes"]
    assert schemes["token"] == {**schemes["token"], "type": "apiKey", "in": "header", "name": "Authorization"}
    assert schemes["bearer"]["scheme"] == "bearer"
    for name in ("webhook", "connect-webhook"):
        operation = schema["paths"][f"/api/v1/payments/{name}"]["post"]
        assert [p["name"] for p in operation["parameters"]] == ["Stripe-Signature"]
        assert operation["parameters"][0]["required"] is True
        assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["id", "type"]


def test_deleting_a_cart_line_documents_the_cart_it_answers(schema):
    responses = schema["paths"]["/api/v1/cart/items/{item_id}"]["delete"]["responses"]
    assert "204" not in responses
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Cart"}
    cart = schema["components"]["schemas"]["Cart"]["properties"]
    # Every amount is listed (a field instance shared by three names once left only `total`).
    assert {"items", "subtotal", "shipping", "total", "currency", "can_checkout", "shops"} <= set(cart)


def test_the_unversioned_paths_answer_the_same(client):
    assert client.get("/api/categories").json() == client.get("/api/v1/categories").json()


def test_the_schema_is_valid_openapi_3(schema):
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)  # raises on anything OpenAPI 3.0 doesn't allow (propertyNames, say)
    assert "refused by name" not in schema["components"]["schemas"]["CartItemInputRequest"].get("description", "")


def test_drf_settings_load_the_api_module_first_without_a_circular_import():
    """``manage.py makemigrations --check`` failed in a fresh clone: DRF's pagination check imported
    marketplace.api, which imported rest_framework.views, which read the parser setting pointing back at it."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from rest_framework.settings import api_settings\n"
        "print(api_settings.DEFAULT_PAGINATION_CLASS.__name__)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.stdout.strip() == "Pages", done.stderr[-2000:]
