"""On a phone: the buyer writes to the shop about an order, the shop's bell rings, the shop answers in the
thread (HTMX, errors in place), and the buyer's bell rings with the answer. The header fits at 390 px."""

import pytest
from playwright.sync_api import expect

from marketplace.models import Notification
from marketplace.tests.browser import signed_in_context as _signed_in

from .factories import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_question_and_its_answer_ring_each_sides_bell(live_server, browser, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    Notification.objects.all().delete()  # the shop's "new order" ring is tested elsewhere; start from quiet bells

    buyer = _signed_in(browser, live_server, shopper)
    page = buyer.new_page()
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-error")).to_contain_text("Write a message first.")
    page.get_by_label("Message to Kiln & Co").fill("Could you wrap it as a gift?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#messages .thread")).to_contain_text("Could you wrap it as a gift?")
    expect(page.locator("#message-error")).to_have_count(0)
    expect(page.get_by_label("Message to Kiln & Co")).to_have_value("")
    assert _fits(page)

    shop = _signed_in(browser, live_server, vendor_a.owner)
    shop_page = shop.new_page()
    shop_page.goto(f"{live_server.url}/")
    bell = shop_page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    box = bell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 44  # a thumb-sized target
    assert _fits(shop_page)
    bell.click()
    shop_page.get_by_role("button", name=f"Sasha Shopper wrote about order {order.number}.").click()
    expect(shop_page).to_have_url(f"{live_server.url}/shops/dashboard/orders/{order.number}/#messages")
    expect(shop_page.locator("#bell-count")).to_have_count(0)  # opening it marked it read
    expect(shop_page.locator("#messages .thread")).to_contain_text("Could you wrap it as a gift?")
    shop_page.get_by_label("Answer the buyer").fill("Gladly: brown paper and twine.")
    shop_page.get_by_role("button", name="Send").click()
    expect(shop_page.locator("#messages .thread .from-shop")).to_contain_text("Gladly: brown paper and twine.")
    assert _fits(shop_page)
    assert shop.errors == []
    shop.close()

    page.goto(f"{live_server.url}/account/orders/")
    expect(page.locator("#bell-count")).to_have_text("1")
    page.locator("#bell").click()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#bell-count")).to_have_count(0)
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    expect(page.locator("#messages .thread")).to_contain_text("Gladly: brown paper and twine.")
    assert buyer.errors == []
    buyer.close()
