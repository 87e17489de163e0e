"""A guest buys from two shops on a phone, paying through (fake) Stripe.js: success, decline, 3-D Secure."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from catalog.tests.factories import ProductFactory
from checkout.models import Checkout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fill_card(page, number: str):
    page.get_by_placeholder("number").fill(number)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_placeholder("postal_code").fill("BA1 1AA")


def _checkout_as_guest(live_server, browser, vendor_a, vendor_b):
    mug = ProductFactory(vendor=vendor_a, title="Speckled mug", price=Decimal("20.00"))
    scarf = ProductFactory(vendor=vendor_b, title="Wool scarf", price=Decimal("35.50"))
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    context.errors = errors  # checked by each test: no script error on any page of the journey
    for product in (mug, scarf):
        page.goto(f"{live_server.url}{product.get_absolute_url()}")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#add-result")).to_contain_text("Added to your cart")
    expect(page.locator("#cart-count")).to_have_text("2")
    page.goto(f"{live_server.url}/cart/")
    expect(page.locator("#cart")).to_contain_text("Kiln & Co")
    expect(page.locator("#cart")).to_contain_text("Loom Works")
    page.get_by_role("link", name="Checkout").click()
    for field, value in [("email", "guest@example.com"), ("name", "Gil Guest"), ("line1", "2 Quay St"),
                         ("city", "Bristol"), ("postcode", "BS1 4DJ")]:  # fmt: skip
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_country").select_option("GB")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/checkout/\d+/pay$"))
    return context, page


def test_guest_pays_for_two_shops_and_gets_a_receipt(live_server, browser, vendor_a, vendor_b, localstripe):
    context, page = _checkout_as_guest(live_server, browser, vendor_a, vendor_b)
    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15000)
    checkout = Checkout.objects.get()
    assert checkout.status == "paid"
    assert checkout.orders.count() == 2
    receipt = next(m for m in mail.outbox if m.to == ["guest@example.com"])
    assert "Speckled mug" in receipt.body and "Wool scarf" in receipt.body
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert context.errors == []
    context.close()


def test_a_declined_card_can_be_replaced(live_server, browser, vendor_a, vendor_b, localstripe):
    context, page = _checkout_as_guest(live_server, browser, vendor_a, vendor_b)
    _fill_card(page, "4000000000000002")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.locator("#pay-error")).to_contain_text(re.compile("declin", re.I), timeout=15000)
    assert Checkout.objects.get().status == "awaiting_payment"
    page.get_by_placeholder("number").fill("4242424242424242")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15000)
    context.close()


def test_three_d_secure_challenge(live_server, browser, vendor_a, vendor_b, localstripe):
    context, page = _checkout_as_guest(live_server, browser, vendor_a, vendor_b)
    _fill_card(page, "4000002500003155")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.get_by_role("button", name="Complete authentication").click(timeout=15000)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15000)
    assert Checkout.objects.get().status == "paid"
    context.close()


def test_failed_three_d_secure_is_said_and_another_card_pays(live_server, browser, vendor_a, vendor_b, localstripe):
    context, page = _checkout_as_guest(live_server, browser, vendor_a, vendor_b)
    _fill_card(page, "4000002500003155")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.get_by_role("button", name="Fail authentication").click(timeout=15000)
    expect(page.locator("#pay-error")).to_contain_text("security check", timeout=15000)
    assert "/pay" in page.url  # still on the pay page, not "Waiting for your payment"
    assert Checkout.objects.get().status == "awaiting_payment"
    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15000)
    assert context.errors == []
    context.close()


def test_back_and_place_again_pays_one_checkout(live_server, browser, vendor_a, vendor_b, localstripe):
    context, page = _checkout_as_guest(live_server, browser, vendor_a, vendor_b)
    pay_url = page.url
    page.go_back()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/checkout/\d+/pay$"))
    assert page.url == pay_url  # the same checkout, not a second one holding the stock again
    assert Checkout.objects.count() == 1
    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15000)
    context.close()
