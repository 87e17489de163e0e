"""One wording for getting in and out: "Log in", "Sign up", "Log out", never "Sign In"/"Sign Up"/"Sign Out"."""

import re

import pytest

pytestmark = pytest.mark.django_db

OTHER_WORDING = re.compile(r"Sign In|Sign Up|Sign Out|Signup|sign in|signed in|signed out|Sign-In|sign-in")


def _text(response) -> str:
    return " ".join(response.content.decode().split())


def test_login_and_signup_pages_say_log_in_and_sign_up(client):
    login = _text(client.get("/accounts/login/"))
    assert "<title> Log in —" in login and "> Log in </button>" in login
    signup = _text(client.get("/accounts/signup/"))
    assert "<title> Sign up —" in signup and "> Sign up </button>" in signup and "please <a" in signup
    for html in (login, signup):
        assert not OTHER_WORDING.search(html), OTHER_WORDING.search(html)


def test_logging_in_and_out_keeps_the_wording(client, shopper, password):
    response = client.post("/accounts/login/", {"login": shopper.email, "password": password}, follow=True)
    assert "Successfully logged in" in _text(response)
    assert not OTHER_WORDING.search(_text(response))
    page = _text(client.get("/accounts/logout/"))
    assert "Are you sure you want to log out?" in page and not OTHER_WORDING.search(page)
    response = client.post("/accounts/logout/", follow=True)
    assert "You have logged out." in _text(response)
