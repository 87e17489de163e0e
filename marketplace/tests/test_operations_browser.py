"""The operations page in a real Chromium, under the site's CSP: from the admin index to resolving an issue."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.tests.browser import signed_in_context
from marketplace.tests.test_operations import VIEW_ALL, _staff_with
from orders.models import ReconciliationIssue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_resolves_an_amount_mismatch_from_the_admin_index(live_server, browser):
    finance = _staff_with("finance@example.com", *VIEW_ALL, "orders.change_reconciliationissue")
    issue = ReconciliationIssue.objects.create(
        day=date(2026, 11, 1), kind="charge", stripe_id="ch_mismatch", problem="amount_differs",
        ledger_amount=Decimal("20.00"), stripe_amount=Decimal("21.00"), currency="USD",
    )  # fmt: skip
    context = signed_in_context(browser, live_server, finance, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []

    def console(message):
        # The admin's pages name no icon, so Chromium asks for /favicon.ico, which the site doesn't serve.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(message.text)

    page.on("console", console)

    page.goto(live_server.url + reverse("admin:index"))
    page.locator("#content-main").get_by_role("link", name="Needs a human").click()
    page.wait_for_url(live_server.url + reverse("admin:operations"))
    section = page.locator("#amount_mismatches")
    assert "ch_mismatch" in section.inner_text()
    section.get_by_role("button", name="Mark resolved").click()  # the note is required: the browser stops it
    assert page.url == live_server.url + reverse("admin:operations")
    section.get_by_placeholder("Note (what was done)").fill("Fee adjustment booked by hand")
    section.get_by_role("button", name="Mark resolved").click()
    page.wait_for_load_state()
    assert "Marked resolved." in page.locator(".messagelist").inner_text()
    assert "ch_mismatch" not in page.locator("#amount_mismatches").inner_text()
    issue.refresh_from_db()
    assert issue.resolution_note == "Fee adjustment booked by hand" and issue.resolved_by == finance
    assert problems == [] and context.errors == []
