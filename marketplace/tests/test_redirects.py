"""``next`` is followed only to a path on this site: our helper, and allauth's log-in, which has its own check."""

import pytest
from django.test import RequestFactory

from marketplace.redirects import safe_next_path

FOREIGN_OR_BAD = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "http://testserver/cart/",
    "javascript:alert(1)",
    "foo",
    " /cart/",
    "",
    None,
]


@pytest.mark.parametrize("value", FOREIGN_OR_BAD)
def test_anything_but_a_same_site_path_is_refused(value):
    assert safe_next_path(RequestFactory().get("/"), value) is None


@pytest.mark.parametrize("value", ["/", "/cart/", "/search?q=mug&page=2", "/p/oak-board/#reviews"])
def test_same_site_paths_are_kept(value):
    assert safe_next_path(RequestFactory().get("/"), value) == value


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_logging_in_never_sends_the_user_off_site(client, shopper, password, value):
    response = client.post("/accounts/login/", {"login": shopper.email, "password": password, "next": value})
    assert response.status_code == 302
    assert response["Location"] == "/"
