"""Staff sign in to the dashboard in a real Chromium: password, then the authenticator code."""

import pytest

from marketplace.accounts.tests.test_staff_login import SECRET, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_with_password_and_code_under_the_sites_csp(live_server, browser, staff, password):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, SECRET)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{live_server.url}/staff/")
    page.wait_for_url("**/accounts/login/**")
    page.locator("#id_login").fill(staff.email)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")

    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert page.get_by_text("enter an authenticator code").is_visible()
    page.locator("#id_code").fill(totp_code(SECRET))
    page.locator("#id_code").press("Enter")

    page.wait_for_url(f"{live_server.url}/staff/")
    assert "platform dashboard" in page.content()
    assert problems == []
