"""The staff dashboard draws its charts in a real Chromium at desktop (1280 px) and tablet (768 px) widths:
the SVGs are there with their bars, and neither they nor the page run wider than the window."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.tests.browser import signed_in_context
from orders.models import LedgerEntry, Order
from orders.tests.factories import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 768, "height": 1024}}


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    return staff


@pytest.fixture
def a_month_of_sales(shopper, vendor_a, vendor_b):
    for days_ago, vendor, price in ((0, vendor_a, "20.00"), (3, vendor_b, "35.50"), (12, vendor_a, "80.00")):
        order = paid_order(user=shopper, vendor=vendor, price=Decimal(price))
        when = timezone.now() - timedelta(days=days_ago)
        Order.objects.filter(pk=order.pk).update(paid_at=when)
        LedgerEntry.objects.filter(order=order).update(created_at=when)


@pytest.mark.parametrize("viewport", ["desktop", "tablet"])
def test_the_charts_render_inside_the_window(live_server, browser, superuser, a_month_of_sales, viewport, tmp_path):
    context = signed_in_context(browser, live_server, superuser, viewport=VIEWPORTS[viewport])
    page = context.new_page()

    page.goto(f"{live_server.url}/staff/?period=30d")

    width = VIEWPORTS[viewport]["width"]
    charts = page.locator("svg.dashboard-chart")
    assert charts.count() >= 6
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 40, (n, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (n, box)
    gmv_bars = page.locator("#figure-gmv svg rect")
    assert gmv_bars.count() == 3  # three days with sales
    assert gmv_bars.first.bounding_box()["height"] > 0
    assert page.locator('#figure-gmv [data-figure="gmv"]').inner_text() == "$149.00"  # 24.50 + 40.00 + 84.50
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The figures use the page's width, not the admin index's narrow column: on a desktop, several per row.
    section = page.locator(".staff-dashboard").bounding_box()
    assert section["width"] >= width * 0.6, section
    if viewport == "desktop":
        tops = {round(page.locator(f"#figure-{key}").bounding_box()["y"]) for key in ("average_order", "refunds")}
        assert len(tops) == 1, tops
    page.screenshot(path=os.path.join(os.environ.get("SCREENSHOT_DIR", tmp_path), f"dashboard-{viewport}.png"),
                    full_page=True)  # fmt: skip
    assert context.errors == []
    context.close()
