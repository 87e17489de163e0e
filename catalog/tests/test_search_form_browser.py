"""The search form in Chromium: slider handles follow typed prices; a filter that can't work says why, in place."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_slider_handles_follow_typed_prices(live_server, browser, vendor_a):
    ProductFactory(vendor=vendor_a, title="Blue mug", price=Decimal("30.00"))
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/search")
    low, high = page.locator("[data-range-min]"), page.locator("[data-range-max]")
    expect(low).to_have_value("0")
    expect(high).to_have_value("500")

    page.get_by_label("Min").fill("120")
    expect(low).to_have_value("120")
    page.get_by_label("Max").fill("300")
    expect(high).to_have_value("300")
    page.get_by_label("Max").fill("9000")  # beyond the slider: the handle rests at its end
    expect(high).to_have_value("500")
    page.get_by_label("Max").fill("")
    expect(high).to_have_value("500")
    page.get_by_label("Min").fill("")
    expect(low).to_have_value("0")

    # And dragging a handle still fills the box.
    low.fill("40")
    expect(page.get_by_label("Min")).to_have_value("40")
    context.close()


@pytest.mark.parametrize("path", ["/search", "/c/mugs/"])
def test_a_filter_that_cannot_work_says_why_next_to_the_form(live_server, browser, vendor_a, path):
    from catalog.tests.factories import CategoryFactory
    from vendors.geocoding import town_locate

    town_locate(town="Bath", country="GB")  # the town index loads once per process: seconds on a busy machine
    ProductFactory(vendor=vendor_a, title="Blue mug", category=CategoryFactory(name="Mugs", slug="mugs"))
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    notice = page.locator("#search-notice")
    page.get_by_label("Near (town, country code)").fill("Nowhereville, GB")
    page.get_by_label("Near (town, country code)").press("Enter")
    expect(notice).to_contain_text("find “Nowhereville, GB”")
    expect(notice).to_contain_text("Showing everything instead.")
    expect(page.locator("#search-results")).to_contain_text("Blue mug")
    page.get_by_label("Near (town, country code)").fill("")
    page.get_by_label("Near (town, country code)").press("Enter")
    expect(notice).to_be_empty()
    # Not left over for the next page either.
    page.goto(f"{live_server.url}/cart/")
    expect(page.locator(".messages")).to_have_count(0)
    context.close()
