"""A guest on a page another guest's visit put in the cache (marketplace/page_cache.py), in Chromium on a phone."""

import pytest
from playwright.sync_api import expect

from catalog.tests.factories import ProductFactory
from marketplace.tests.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _guest(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def test_a_guest_on_a_cached_product_page_is_told_of_a_bad_quantity_then_buys(live_server, browser, vendor_a):
    mug = ProductFactory(vendor=vendor_a, title="Speckled mug", stock_quantity=3)
    first, first_page, _ = _guest(browser)
    assert first_page.goto(f"{live_server.url}{mug.get_absolute_url()}").headers["x-page-cache"] == "miss"

    context, page, errors = _guest(browser)
    response = page.goto(f"{live_server.url}{mug.get_absolute_url()}")
    assert response.headers["x-page-cache"] == "hit" and "private" in response.headers["cache-control"]
    quantity = page.get_by_label("Quantity")
    quantity.fill("0")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Choose a quantity")
    expect(page.locator("#cart-count")).to_have_text("0")
    quantity.fill("2")
    page.get_by_role("button", name="Add to cart").click()  # the token put into the cached copy is accepted
    expect(page.locator("#add-result")).to_contain_text("Added to your cart")
    expect(page.locator("#cart-count")).to_have_text("2")

    # The next cached page shows this guest's own cart; the first guest's still shows theirs.
    search = page.goto(f"{live_server.url}/search?q=mug")
    expect(page.locator("#cart-count")).to_have_text("2")
    first_page.goto(f"{live_server.url}/search?q=mug")
    expect(first_page.locator("#cart-count")).to_have_text("0")
    assert search.headers["x-page-cache"] in {"hit", "miss"}
    assert not errors
    context.close()
    first.close()


def test_a_bad_price_in_the_cached_search_filters_says_why(live_server, browser, vendor_a):
    ProductFactory(vendor=vendor_a, title="Speckled mug")
    context, page, errors = _guest(browser)
    page.goto(f"{live_server.url}/search?q=mug")
    page.goto(f"{live_server.url}/search?q=mug&price_min=abc")
    expect(page.locator("#search-notice")).to_contain_text("Showing everything instead.")
    expect(page.locator("#search-results")).to_contain_text("Speckled mug")
    assert not errors
    context.close()
