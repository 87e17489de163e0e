"""The price slider's handles follow the Min and Max boxes as the shopper types (and the other way round)."""

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
