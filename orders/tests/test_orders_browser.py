"""On a phone: a shop ships an order with tracking and later refunds one item; the shopper follows both."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay
from marketplace.tests.browser import signed_in_context
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shop_ships_then_refunds_one_item_and_both_sides_see_it(
    live_server, browser, placed_checkout, shopper, vendor_a
):
    """#12's journey: ship with tracking → the shopper follows it and is emailed → the shop refunds one item →
    the shopper sees the partial refund → the shop's payouts page shows the transfer reversed."""
    card_pay(placed_checkout)  # paid for real on localstripe: the refund below goes to Stripe
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    order = Order.objects.get(checkout=placed_checkout, vendor=vendor_a)
    order_transfer(order_id=order.pk)
    shop = signed_in_context(browser, live_server, vendor_a.owner)
    page = shop.new_page()
    page.goto(f"{live_server.url}/shops/dashboard/")
    page.get_by_role("link", name="Orders").first.click()
    expect(page.locator("#order-table")).to_contain_text(order.number)
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("address")).to_contain_text("1 High St")
    # Shipped without tracking: the error shows in place (HTMX 422), nothing changes.
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.locator("#status-error")).to_contain_text("Give the carrier and the tracking number.")
    page.locator("#carrier").fill("Royal Mail")
    page.locator("#tracking_number").fill("RM123456789GB")
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.locator("#order-status")).to_contain_text("Shipped")
    expect(page.locator("#order-status")).to_contain_text("RM123456789GB")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert shop.errors == []
    shop.close()

    order.refresh_from_db()
    assert order.status == "shipped"
    assert any(order.number in m.subject and "RM123456789GB" in m.body for m in mail.outbox)

    buyer = signed_in_context(browser, live_server, shopper)
    page = buyer.new_page()
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Your orders").click()
    page.get_by_role("link", name=f"Order {order.number}").click()
    expect(page.locator(".timeline")).to_contain_text("Shipped")
    expect(page.locator(".tracking")).to_contain_text("RM123456789GB")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    order_url = page.url

    # The shop refunds one of the two mugs, in place.
    item = order.items.get()
    shop_page = signed_in_context(browser, live_server, vendor_a.owner)
    page = shop_page.new_page()
    page.goto(f"{live_server.url}/shops/dashboard/orders/{order.number}/")
    page.get_by_label("These items:").check()
    page.get_by_role("button", name="Refund", exact=True).click()  # no item chosen: said in place, nothing sent
    expect(page.locator("#refund-error")).to_contain_text("Choose how many of which items to refund.")
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
    assert shop_page.errors == []
    shop_page.close()

    # The shopper sees the partial refund, and can no longer cancel a shipped order.
    page = buyer.new_page()
    page.goto(order_url)
    expect(page.get_by_role("region", name="Refunds")).to_contain_text("$20.00 back to your card")
    expect(page.locator("body")).not_to_contain_text("Cancel this order")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert buyer.errors == []
    buyer.close()
