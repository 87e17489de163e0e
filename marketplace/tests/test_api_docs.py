"""/api/docs/: Swagger UI served from the project (drf-spectacular-sidecar) under the site's strict CSP."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db
def test_the_docs_page_has_no_inline_script_or_style_and_the_csp_stays_strict(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script would be blocked"
    assert "<style" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not urlsplit(url).netloc, f"{url} is not served by the project"
    # The script the page loads is served as a file of its own.
    script = re.findall(r'<script[^>]*src="([^"]+)"', html)[-1]
    loaded = client.get(script)
    assert loaded.status_code == 200 and "SwaggerUIBundle" in b"".join(loaded).decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_list_the_api_operations_in_chromium(live_server, page):
    refused, elsewhere = [], []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page.on("request", lambda request: urlsplit(request.url).netloc != urlsplit(live_server.url).netloc
            and elsewhere.append(request.url))  # fmt: skip
    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = operations.all_inner_texts()
    assert any("/api/v1/search" in path for path in paths) and any("/api/v1/cart" in path for path in paths)
    assert not refused, refused
    assert not elsewhere, elsewhere
