"""On a phone (390×844, touch): the heart on a product card toggles through HTMX without leaving the page,
and neither the home page (with the recently viewed strip) nor a storefront overflows sideways."""

import os

import pytest
from playwright.sync_api import expect

from catalog.models import Favourite, ShopFollow
from catalog.tests.factories import ProductFactory
from marketplace.tests.browser import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page is {width}px wide on a {viewport}px screen"


def test_hearting_a_card_on_a_phone(live_server, browser, shopper, vendor_a, tmp_path):
    long_title = "Hand-thrown speckled stoneware mug with a wide handle and a very long name"
    mug = ProductFactory(vendor=vendor_a, title=long_title)
    ProductFactory.create_batch(5, vendor=vendor_a)
    context = signed_in_context(browser, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}{mug.get_absolute_url()}")  # something in the recently viewed strip
    page.goto(f"{live_server.url}/")
    _no_sideways_scroll(page)
    heart = page.locator(
        f'section[aria-labelledby="new-heading"] button[aria-label="Save “{long_title}” to favourites"]'
    )
    box = heart.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44  # a finger-sized target
    heart.tap()
    on = page.locator(
        f'section[aria-labelledby="new-heading"] button[aria-label="Remove “{long_title}” from favourites"]'
    )
    on.wait_for()
    assert on.get_attribute("aria-pressed") == "true"
    assert page.url == f"{live_server.url}/"  # swapped in place, no navigation
    shots = os.environ.get("SCREENSHOT_DIR") or tmp_path
    page.screenshot(path=f"{shots}/favourites-home-phone.png", full_page=True)
    assert Favourite.objects.filter(user=shopper, product=mug).exists()
    # The same product's heart in the recently viewed strip follows.
    strip = page.locator(f'section[aria-labelledby="viewed-heading"] form[data-product-id="{mug.pk}"] button')
    expect(strip).to_have_attribute("aria-pressed", "true")  # after htmx settles: retried until then
    on.tap()
    page.locator(
        f'section[aria-labelledby="new-heading"] button[aria-pressed="false"][aria-label*="{long_title[:20]}"]'
    ).wait_for()
    assert not Favourite.objects.filter(user=shopper).exists()
    # The storefront with its follow button fits too, and following works in place.
    page.goto(f"{live_server.url}{vendor_a.get_absolute_url()}")
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Follow this shop").tap()
    page.get_by_role("button", name="Following ✓").wait_for()
    assert ShopFollow.objects.filter(user=shopper, vendor=vendor_a).exists()
    assert context.errors == []
    context.close()


def test_hearts_in_cached_search_results_show_the_signed_in_visitors_state(live_server, browser, shopper, vendor_a):
    liked = ProductFactory(vendor=vendor_a, title="Liked teapot")
    ProductFactory(vendor=vendor_a, title="Other teapot")
    Favourite.objects.create(user=shopper, product=liked)
    context = signed_in_context(browser, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}/search?q=teapot")
    on = page.locator('button[aria-label="Remove “Liked teapot” from favourites"]')
    on.wait_for()
    assert on.get_attribute("aria-pressed") == "true"
    off = page.locator('button[aria-label="Save “Other teapot” to favourites"]')
    assert off.get_attribute("aria-pressed") == "false"
    off.tap()  # and the filled-in heart toggles like any other
    page.locator('button[aria-label="Remove “Other teapot” from favourites"]').wait_for()
    assert Favourite.objects.filter(user=shopper).count() == 2
    on.tap()
    page.locator('button[aria-label="Save “Liked teapot” to favourites"]').wait_for()
    assert list(Favourite.objects.filter(user=shopper).values_list("product__title", flat=True)) == ["Other teapot"]
    _no_sideways_scroll(page)
    assert context.errors == []
    context.close()
