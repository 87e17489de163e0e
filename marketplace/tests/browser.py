"""Browser tests' shared set-up: a Chromium context already signed in as someone, on a phone by default."""

from django.conf import settings
from django.test import Client

PHONE = {"width": 390, "height": 844}


def signed_in_context(browser, live_server, user, *, viewport=PHONE):
    """A new browser context with ``user``'s session (made by Django's test client), collecting page errors
    in ``context.errors`` for the test to assert on."""
    client = Client()
    client.force_login(user)
    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    errors = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.errors = errors
    return context
