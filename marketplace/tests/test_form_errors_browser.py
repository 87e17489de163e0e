"""Every HTMX form, submitted with bad input in a real Chromium, shows why in place.

htmx 2 does not swap 4xx answers unless told to, and skips a request silently when the browser's own
constraints fail; these tests drive each form the way a person would and read the message on the page.
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from catalog.models import ProductImage
from catalog.tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_for(browser, live_server, user=None, *, javascript=True):
    """A phone-sized page, logged in as ``user`` (through a real session) when one is given."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def test_add_to_cart_past_stock_says_how_many_are_left(live_server, browser, vendor_a):
    product = ProductFactory(vendor=vendor_a, title="Last jug", stock_quantity=1)
    page = _page_for(browser, live_server)
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Added to your cart")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Only 1 left.")
    expect(page.locator("#add-result")).not_to_contain_text("Added to your cart")
    page.get_by_label("Quantity").fill("0")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Choose a quantity from 1 to 999.")
    expect(page.locator("#cart-count")).to_have_text("1")
    assert page.errors == []


def test_cart_quantity_errors_show_on_the_cart(live_server, browser, vendor_a):
    product = ProductFactory(vendor=vendor_a, title="Oak board", stock_quantity=2, price=Decimal("30.00"))
    page = _page_for(browser, live_server)
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Added to your cart")
    page.goto(f"{live_server.url}/cart/")
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#cart")).to_contain_text("Oak board: Only 2 left.")
    page.get_by_label("Quantity").fill("0")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#cart")).to_contain_text("Quantity must be a whole number from 1 to 999.")
    assert page.errors == []


def test_shop_registration_shows_a_taken_name_and_a_bad_country(live_server, browser, shopper, vendor_b):
    page = _page_for(browser, live_server, shopper)
    page.goto(f"{live_server.url}/shops/register/")
    page.get_by_label("Shop name").fill("Loom Works")
    page.get_by_label("Town").fill("Penzance")
    page.get_by_label("Country").fill("G1")
    page.get_by_role("button", name="Open my shop").click()
    form = page.locator("#shop-form")
    expect(form).to_contain_text("That shop name is taken.")
    expect(form).to_contain_text("Use the two-letter country code, e.g. GB.")
    assert page.url.endswith("/shops/register/")
    assert page.errors == []


def test_shop_settings_show_a_bad_country(live_server, browser, vendor_a):
    page = _page_for(browser, live_server, vendor_a.owner)
    page.goto(f"{live_server.url}/shops/dashboard/settings/")
    page.get_by_label("Country").fill("1X")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#shop-form")).to_contain_text("Use the two-letter country code, e.g. GB.")
    assert page.errors == []


def test_product_form_and_photo_manager_show_their_errors(live_server, browser, vendor_a):
    product = ProductFactory(vendor=vendor_a, title="Walnut spoon")
    first = ProductImage.objects.create(product=product, original="products/a.jpg", width=10, height=10)
    second = ProductImage.objects.create(product=product, original="products/b.jpg", width=10, height=10, position=1)
    ProductImage.objects.filter(pk=first.pk).update(is_primary=True)
    page = _page_for(browser, live_server, vendor_a.owner)
    page.goto(f"{live_server.url}/shops/dashboard/products/{product.pk}/")

    page.get_by_label("Price").fill("-5")
    page.get_by_role("button", name="Save product").click()
    expect(page.locator("#product-form")).to_contain_text("greater than or equal to 0.01")

    # Alt text past its limit (the maxlength attribute is only a hint; a script can drop it).
    alt = page.locator(f"#alt-{first.pk}")
    alt.evaluate("el => el.removeAttribute('maxlength')")
    alt.fill("x" * 201)
    page.locator(".alt-form").first.get_by_role("button", name="Save").click()
    expect(page.locator("#image-manager")).to_contain_text("at most 200 characters")

    # A photo deleted meanwhile (another tab): its buttons say so instead of doing nothing.
    ProductImage.objects.filter(pk=second.pk).delete()
    page.get_by_role("button", name="Make main").click()
    expect(page.get_by_role("alert").filter(has_text=re.compile("no longer here", re.I))).to_be_visible()
    assert page.errors == []


def test_api_token_form_shows_a_missing_name(live_server, browser, shopper):
    page = _page_for(browser, live_server, shopper)
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#api-tokens")).to_contain_text("This field is required.")
    assert page.errors == []


def test_without_javascript_the_same_forms_post_and_show_their_errors(live_server, browser, vendor_a, shopper):
    product = ProductFactory(vendor=vendor_a, title="Last jug", stock_quantity=1)
    page = _page_for(browser, live_server, javascript=False)
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added Last jug to your cart.")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Only 1 left.")
    page.goto(f"{live_server.url}/cart/")
    page.get_by_label("Quantity").fill("0")
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".messages")).to_contain_text("Quantity must be a whole number from 1 to 999.")
    page.context.close()

    page = _page_for(browser, live_server, shopper, javascript=False)
    page.goto(f"{live_server.url}/shops/register/")
    page.get_by_label("Shop name").fill("Kiln & Co")
    page.get_by_label("Country").fill("G1")
    page.get_by_role("button", name="Open my shop").click()
    expect(page.locator("#shop-form")).to_contain_text("That shop name is taken.")
    expect(page.locator("#shop-form")).to_contain_text("Use the two-letter country code, e.g. GB.")
    page.context.close()
