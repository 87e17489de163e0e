"""The address book on a phone (390×844): nothing wider than the screen, buttons big enough to tap, and
"Make default" swapping the list in place (HTMX) without a page load."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Address
from marketplace.accounts.services import address_create
from marketplace.tests.browser import PHONE, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}
LONG = {
    "name": "Alexandria Montgomery-Fairweather",
    "line1": "Flat 12, The Old Rope Works, 147 Riverside Embankment Road",
    "city": "Kingston upon Thames",
    "postcode": "KT1 1AA",
    "country": "GB",
}


def test_the_address_book_fits_a_phone_and_makes_a_default_in_place(live_server, browser, shopper, tmp_path):
    address_create(user=shopper, fields=HOME, label="Home")
    address_create(user=shopper, fields=LONG, label="Work")
    context = signed_in_context(browser, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/addresses/")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"
    for card in page.locator(".address-card").all():
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for button in page.locator(".address-actions button, .address-actions a").all():
        assert button.bounding_box()["height"] >= 36  # a thumb can hit it
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(shots / "address-book-phone.png"), full_page=True)

    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Make default").click()
    work_card = page.locator(".address-card", has_text="Work")
    expect(work_card.locator(".badge")).to_have_text("Default")
    assert page.evaluate("window.notReloaded === true")  # swapped in place, no page load
    assert Address.objects.get(user=shopper, is_default=True).label == "Work"

    page.get_by_role("link", name="Add an address").click()
    page.get_by_label("Full name").fill("Sasha Shopper")
    page.locator("#id_line1").fill("3 Rue Neuve")
    page.get_by_label("Town or city").fill("Lyon")
    page.get_by_label("Postcode").fill("6900")
    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Save address").click()
    expect(page.locator(".field-error")).to_contain_text("postcode in France")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Postcode").fill("69001")
    page.get_by_role("button", name="Save address").click()
    expect(page.locator(".address-card", has_text="3 Rue Neuve")).to_be_visible()
    assert context.errors == []
    context.close()
