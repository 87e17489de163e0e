"""#11 item 3 on a phone: a shopper finds "Open a shop" in the header, a maker finds "Shop dashboard"."""

import pytest
from playwright.sync_api import expect

from marketplace.tests.browser import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_makers_find_their_way_in_from_the_header_on_a_phone(live_server, browser, shopper, vendor_a):
    context = signed_in_context(browser, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    link = page.locator("header").get_by_role("link", name="Open a shop")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"{live_server.url}/shops/register/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    context.close()

    context = signed_in_context(browser, live_server, vendor_a.owner)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/")
    page.locator("header").get_by_role("link", name="Shop dashboard").click()
    page.wait_for_url(f"{live_server.url}/shops/dashboard/")
    expect(page.get_by_role("heading", name=vendor_a.name)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
