"""Headers, error pages and the API's conventions, as a browser or a script sees them."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"].startswith("'self'")
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "js.stripe.com" not in csp  # Stripe only on checkout pages
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_every_response_has_a_request_id_and_keeps_a_sane_incoming_one(client):
    generated = client.get("/")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/", headers={"X-Request-ID": "edge-1234abcd"})["X-Request-ID"] == "edge-1234abcd"
    # Something that could forge log lines is replaced, not echoed.
    assert client.get("/", headers={"X-Request-ID": "bad id\nforged"})["X-Request-ID"] != "bad id\nforged"


def test_request_id_appears_on_log_lines(client, caplog):
    from marketplace.request_id import RequestIdLogFilter

    with caplog.at_level("WARNING", logger="django.request"):
        client.get("/no-such-page/", headers={"X-Request-ID": "trace-abcdef12"})
    record = next(r for r in caplog.records if r.name == "django.request")
    RequestIdLogFilter().filter(record)
    assert record.request_id == "trace-abcdef12"


def test_json_log_format_is_parseable():
    import json
    import logging

    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "abc"
    assert json.loads(formatter.format(record))["request_id"] == "abc"


@pytest.mark.parametrize("debug", [False])
def test_unknown_pages_get_the_site_404_page(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "couldn&#x27;t find that page" in html or "couldn't find that page" in html
    assert 'class="skip-link"' in html  # same layout as every page


def test_api_errors_are_json_never_html(client, settings):
    settings.DEBUG = False
    response = client.get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_crash_shows_the_500_page_not_a_traceback(client, settings, monkeypatch):
    from catalog import views

    settings.DEBUG = False
    client.raise_request_exception = False

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(views.selectors, "category_list_top_level", boom)
    response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "kaboom" not in html


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    assert "/api/v1/me" in schema.content.decode()
    assert client.get("/api/docs/").status_code == 200


def test_api_is_throttled_per_user(client, shopper):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    client.force_login(shopper)
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/min"}
    try:
        responses = [client.get("/api/me") for _ in range(4)]
    finally:
        UserRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1].json()["code"] == "throttled"
    assert "Retry-After" in responses[-1]


def test_static_pages_ship_under_100_kb_compressed():
    """Our JS + CSS (vendored htmx included) on a page, gzip-compressed, stays under 100 KB."""
    import gzip
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "static"
    files = [static / "css/site.css", static / "js/site.js", static / "js/vendor/htmx-2.0.11.min.js"]
    total = sum(len(gzip.compress(f.read_bytes())) for f in files)
    assert total < 100 * 1024, total


def test_too_many_sign_in_attempts_get_the_site_429_page(client):
    answers = [
        client.post("/accounts/login/", {"login": f"nobody{n}@example.com", "password": "wrong-guess"})
        for n in range(31)
    ]
    assert answers[-1].status_code == 429
    html = answers[-1].content.decode()
    assert "Too many attempts" in html
    assert 'class="skip-link"' in html  # the site's layout
