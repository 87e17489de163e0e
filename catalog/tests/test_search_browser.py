"""Searching on a phone in Chromium: type, filter, and let the back button undo."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.services.search_index import search_words_refresh
from catalog.tests.factories import CategoryFactory, ProductFactory
from vendors.tests.factories import VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_filters_update_in_place_and_back_restores(live_server, browser):
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    bath = VendorFactory(name="Bath Clay", town="Bath", country="GB", latitude=51.3751, longitude=-2.3617)
    york = VendorFactory(name="York Kiln", town="York", country="GB", latitude=53.9576, longitude=-1.0827)
    ProductFactory(vendor=bath, category=mugs, title="Blue stoneware mug", price=Decimal("30.00"))
    ProductFactory(vendor=bath, category=mugs, title="Tall porcelain mug", price=Decimal("60.00"))
    ProductFactory(vendor=york, category=mugs, title="Green stoneware mug", price=Decimal("25.00"))
    ProductFactory(vendor=york, title="Oak spoon", price=Decimal("15.00"))
    search_words_refresh()

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/search")
    results = page.locator("#search-results")
    expect(results).to_contain_text("4 results")

    # Typing searches as you go (HTMX), and the URL follows.
    page.locator("#search-q").fill("mug")
    expect(results).to_contain_text("3 results for “mug”")
    expect(page).to_have_url(re.compile(r"q=mug"))

    # Filters live in a drawer on a phone.
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Max").fill("40")
    page.get_by_label("Max").press("Tab")
    expect(results).to_contain_text("2 results")
    expect(page).to_have_url(re.compile(r"price_max=40"))

    page.get_by_label("Near (town, country code)").fill("Bath, GB")
    page.get_by_label("Near (town, country code)").press("Enter")
    expect(results).to_contain_text("1 result")
    expect(results).to_contain_text("Blue stoneware mug")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Back undoes the location filter; back again undoes the price.
    page.go_back()
    expect(results).to_contain_text("2 results")
    page.go_back()
    expect(results).to_contain_text("3 results")

    # The same URL renders the full page without JavaScript.
    nojs = browser.new_context(java_script_enabled=False).new_page()
    nojs.goto(f"{live_server.url}/search?q=mug&price_max=40&near=Bath%2C+GB")
    expect(nojs.locator("#search-results")).to_contain_text("1 result")
    context.close()
