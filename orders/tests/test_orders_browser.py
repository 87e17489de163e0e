"""On a phone: a shop marks an order shipped with tracking; the shopper follows it in "Your orders"."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from .factories import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _signed_in(browser, live_server, user):
    """A phone browser already logged in as ``user`` (the session made by Django's test client)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    errors = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.errors = errors
    return context


def test_a_shop_ships_and_the_shopper_follows_the_parcel(live_server, browser, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    shop = _signed_in(browser, live_server, vendor_a.owner)
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

    buyer = _signed_in(browser, live_server, shopper)
    page = buyer.new_page()
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Your orders").click()
    page.get_by_role("link", name=f"Order {order.number}").click()
    expect(page.locator(".timeline")).to_contain_text("Shipped")
    expect(page.locator(".tracking")).to_contain_text("RM123456789GB")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    buyer.close()
