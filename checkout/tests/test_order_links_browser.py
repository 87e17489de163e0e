"""A guest sees their order numbers on the confirmation page, and finds the orders again from the receipt."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from checkout.models import Checkout
from checkout.tests.test_checkout_browser import _checkout_as_guest, _fill_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_confirmation_shows_order_numbers_and_the_receipt_link_finds_them_again(
    live_server, browser, vendor_a, vendor_b, localstripe, settings
):
    settings.SITE_URL = live_server.url
    context, page = _checkout_as_guest(live_server, browser, vendor_a, vendor_b)
    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=15000)
    checkout = Checkout.objects.get()
    numbers = [order.number for order in checkout.orders.order_by("pk")]
    assert len(set(numbers)) == 2 and all(re.fullmatch(r"AM-[0-9A-Z]{4}-[0-9A-Z]{2}", n) for n in numbers)
    for number in numbers:
        expect(page.locator("#order-numbers")).to_contain_text(number)
    assert context.errors == []
    context.close()

    # Days later, on another device: the link in the receipt, no session, no account.
    receipt = next(m for m in mail.outbox if m.to == ["guest@example.com"])
    link = re.search(r"http://\S+/cart/orders/\S+/", receipt.body).group(0)
    later = browser.new_context()
    page = later.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    for number in numbers:
        expect(page.locator("#order-numbers")).to_contain_text(number)
        # The guest's "Your orders": each shop's order with its status timeline.
        expect(page.locator(f"#order-{number} .timeline")).to_contain_text("Paid")
    page.get_by_role("link", name="Details and messages to Kiln & Co").click()
    expect(page.get_by_role("heading", name=re.compile("^Order AM-"))).to_be_visible()
    expect(page.locator("#messages")).to_be_visible()
    page.goto(link[:-4] + "xyz/")
    expect(page.locator("body")).to_contain_text("expired or isn't valid")
    later.close()
