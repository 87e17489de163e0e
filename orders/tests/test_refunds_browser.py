"""On a phone: a shop refunds one item of a shipped order (HTMX, in place); the shopper sees the partial refund
in "Your orders"; the shop's payouts page shows the transfer reversed."""

import pytest
from playwright.sync_api import expect

from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay
from orders.models import Order
from orders.services import order_mark_shipped

from .test_orders_browser import _signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shop_refunds_one_item_and_both_sides_see_it(live_server, browser, placed_checkout, shopper, vendor_a):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    order = Order.objects.get(checkout=placed_checkout, vendor=vendor_a)
    order_transfer(order_id=order.pk)
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM123456789GB")
    item = order.items.get()

    shop = _signed_in(browser, live_server, vendor_a.owner)
    page = shop.new_page()
    page.goto(f"{live_server.url}/shops/dashboard/orders/{order.number}/")
    page.get_by_label("These items:").check()
    page.locator(f"#qty_{item.pk}").fill("1")
    page.locator("#refund-reason").fill("one arrived chipped")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#order-refund")).to_contain_text("$20.00 — one arrived chipped")
    expect(page.locator("#order-status")).to_contain_text("Partially refunded")  # updated out of band
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"{live_server.url}/shops/dashboard/")
    page.get_by_role("link", name="Balance and ledger").click()
    expect(page.locator("#ledger")).to_contain_text("Transfer reversed")
    expect(page.locator("#balance")).to_contain_text("Nothing owed")
    assert shop.errors == []
    shop.close()

    buyer = _signed_in(browser, live_server, shopper)
    page = buyer.new_page()
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    expect(page.get_by_role("region", name="Refunds")).to_contain_text("$20.00 back to your card")
    expect(page.locator("body")).not_to_contain_text("Cancel this order")  # shipped
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    buyer.close()
