"""A signed-in shopper on a phone checks out to a saved address: the default is ticked, another is one tap."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.services import cart_add
from marketplace.accounts.services import address_create
from marketplace.tests.browser import PHONE, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}
AUNT = {
    "name": "Auntie Philippa Montgomery-Fairweather",
    "line1": "Flat 12, The Old Rope Works, 147 Riverside Embankment Road",
    "city": "Kingston upon Thames",
    "postcode": "KT1 1AA",
    "country": "GB",
}


def test_a_saved_address_is_picked_on_a_phone(live_server, browser, shopper, vendor_a, localstripe, tmp_path):
    address_create(user=shopper, fields=HOME)
    address_create(user=shopper, fields=AUNT)
    cart_add(cart=Cart.objects.create(user=shopper), product=ProductFactory(vendor=vendor_a, title="Speckled mug"))
    context = signed_in_context(browser, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}/cart/checkout/")

    expect(page.get_by_role("radio", name=re.compile("1 High St"))).to_be_checked()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the checkout scrolls sideways: {width}px"
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(shots / "checkout-saved-addresses-phone.png"), full_page=True)

    page.get_by_role("radio", name=re.compile("Rope Works")).check()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/checkout/\d+/pay$"))
    checkout = Checkout.objects.get()
    assert checkout.shipping_city == "Kingston upon Thames" and checkout.shipping_name.startswith("Auntie")
    assert context.errors == []
    context.close()
