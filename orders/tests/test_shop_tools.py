"""The shop's paperwork: a printable packing slip per order, and a CSV export of a date range (one row per
item, money as plain decimals, only the shop's own orders)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.placement import checkout_place
from checkout.services import cart_add
from orders.export import HEADER
from orders.models import Order
from orders.services import orders_mark_paid

from .factories import ADDRESS, paid_checkout, paid_order

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _today():
    return timezone.localdate()


# --- Packing slip -------------------------------------------------------------------------


def test_packing_slip_lists_address_and_items_without_prices(client, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a, price=Decimal("37.25"), quantity=2)
    client.force_login(vendor_a.owner)
    response = client.get(f"/shops/dashboard/orders/{order.number}/packing-slip")
    page = response.content.decode()
    assert response.status_code == 200
    assert order.number in page and "Sasha Shopper" in page and "1 High St" in page and "BA1 1AA" in page
    item = order.items.get()
    assert f"<td>2</td><td>{item.title}</td>" in page
    assert "37.25" not in page and "74.50" not in page  # a slip goes in the parcel: no prices
    assert "data-print" in page and 'class="packing-slip"' in page
    assert (
        f'href="/shops/dashboard/orders/{order.number}/packing-slip"'
        in client.get(f"/shops/dashboard/orders/{order.number}/").content.decode()
    )


def test_packing_slip_is_the_shops_alone(client, shopper, other_shopper, vendor_a, vendor_b):
    checkout = paid_checkout(user=shopper, vendors=[vendor_a, vendor_b])
    theirs = checkout.orders.get(vendor=vendor_b)
    url = f"/shops/dashboard/orders/{theirs.number}/packing-slip"
    client.force_login(vendor_a.owner)
    assert client.get(url).status_code == 404
    client.force_login(shopper)  # the buyer is not the shop either
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_print_css_hides_the_site_chrome():
    from django.conf import settings

    css = (settings.BASE_DIR / "static/css/site.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".site-header" in print_rules and ".no-print" in print_rules


# --- CSV export ---------------------------------------------------------------------------


def test_export_has_one_row_per_item_with_plain_decimal_money(client, shopper, vendor_a):
    from checkout.placement import Address

    cart = Cart.objects.create(user=shopper)
    mug = ProductFactory(vendor=vendor_a, price=Decimal("12.50"), title="Mug")
    bowl = ProductFactory(vendor=vendor_a, price=Decimal("1234.05"), title='=HYPERLINK("x") bowl')
    cart_add(cart=cart, product=mug, quantity=3)
    cart_add(cart=cart, product=bowl, quantity=1)
    address = Address(name='@Sasha, "the" Shopper', line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")
    checkout = checkout_place(cart=cart, email=shopper.email, address=address, user=shopper)
    orders_mark_paid(orders=list(checkout.orders.all()), at=timezone.now())
    order = checkout.orders.get()
    order.refresh_from_db()

    client.force_login(vendor_a.owner)
    response = client.get("/shops/dashboard/orders/export/", {"date_from": _today(), "date_to": _today()})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="orders-kiln-co-{_today()}-to-{_today()}.csv"'
    rows = _csv(response)
    assert len(rows) == 2 and list(rows[0]) == HEADER
    by_title = {row["item_title"]: row for row in rows}
    mug_row = by_title["Mug"]
    assert mug_row["order_number"] == order.number and mug_row["status"] == "paid"
    assert (mug_row["quantity"], mug_row["unit_price"], mug_row["line_total"]) == ("3", "12.50", "37.50")
    assert mug_row["order_subtotal"] == "1271.55" == str(order.subtotal)
    assert mug_row["order_total"] == str(order.total) and mug_row["platform_fee"] == str(order.platform_fee)
    assert mug_row["shop_net"] == str(order.vendor_net)
    # What a person typed can't become a spreadsheet formula; commas and quotes survive CSV quoting.
    assert '\'=HYPERLINK("x") bowl' in by_title
    assert by_title['\'=HYPERLINK("x") bowl']["line_total"] == "1234.05"
    assert mug_row["buyer_name"] == '\'@Sasha, "the" Shopper'


def test_export_keeps_to_the_range_and_to_the_shops_own_orders(client, shopper, other_shopper, vendor_a, vendor_b):
    inside = paid_order(user=shopper, vendor=vendor_a)
    before = paid_order(user=other_shopper, vendor=vendor_a)
    Order.objects.filter(pk=before.pk).update(created_at=timezone.now() - timedelta(days=10))
    shared = paid_checkout(user=other_shopper, vendors=[vendor_a, vendor_b])
    other_shops = shared.orders.get(vendor=vendor_b)
    # An unpaid order is not the shop's business yet.
    cart = Cart.objects.get_or_create(user=shopper)[0]
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
    pending = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper).orders.get()
    assert pending.checkout.status != Checkout.Status.PAID

    client.force_login(vendor_a.owner)
    start = _today() - timedelta(days=2)
    numbers = {row["order_number"] for row in _csv(client.get("/shops/dashboard/orders/export/", {
        "date_from": start, "date_to": _today(),
    }))}  # fmt: skip
    assert numbers == {inside.number, shared.orders.get(vendor=vendor_a).number}
    assert other_shops.number not in numbers and before.number not in numbers and pending.number not in numbers
    long_ago = _today() - timedelta(days=10)
    rows = _csv(client.get("/shops/dashboard/orders/export/", {"date_from": long_ago, "date_to": long_ago}))
    assert [row["order_number"] for row in rows] == [before.number]


def test_export_form_and_its_refusals(client, vendor_a, shopper):
    client.force_login(vendor_a.owner)
    form = client.get("/shops/dashboard/orders/export/")
    assert form.status_code == 200 and 'name="date_from"' in form.content.decode()
    reversed_range = client.get("/shops/dashboard/orders/export/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert (
        reversed_range.status_code == 422 and "The start date is after the end date." in reversed_range.content.decode()
    )
    too_long = client.get("/shops/dashboard/orders/export/", {"date_from": "2024-01-01", "date_to": "2026-01-01"})
    assert too_long.status_code == 422 and "at most 366 days" in too_long.content.decode()
    bad = client.get("/shops/dashboard/orders/export/", {"date_from": "yesterday", "date_to": "2026-01-01"})
    assert bad.status_code == 422 and "Enter a valid date." in bad.content.decode()
    # No shop, no export; and no anonymous export.
    client.force_login(shopper)
    assert (
        client.get("/shops/dashboard/orders/export/", {"date_from": _today(), "date_to": _today()}).status_code == 404
    )
    client.logout()
    assert client.get("/shops/dashboard/orders/export/").status_code == 302
