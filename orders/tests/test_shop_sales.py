"""The dashboard's sales figures (today, 7 and 30 days) are net of the refunds made in each period."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from orders.models import Order
from orders.refunds import order_cancel, order_refund
from orders.selectors import shop_sales

pytestmark = pytest.mark.django_db


@pytest.fixture
def mugs(placed_checkout, vendor_a):
    """Kiln & Co's paid order (2 × Mug at 20.00 + shipping), paid on localstripe."""
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return Order.objects.get(checkout=placed_checkout, vendor=vendor_a)


def _figures(vendor) -> dict:
    return {row["label"]: row for row in shop_sales(vendor=vendor)}


def test_a_partial_refund_comes_off_revenue_fees_and_net(mugs, vendor_a):
    refund = order_refund(order=mugs, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))

    for label, row in _figures(vendor_a).items():
        assert row["orders"] == 1, label
        assert row["refunds"] == Decimal("10.00"), label
        assert row["revenue"] == mugs.total - Decimal("10.00"), label
        assert row["fees"] == mugs.platform_fee - refund.platform_fee_returned, label
        assert row["net"] == mugs.vendor_net - refund.shop_share, label


def test_a_cancelled_order_nets_to_nothing(mugs, shopper):
    order_cancel(order=mugs, by=shopper, request_key="k", reason="changed my mind")

    today = _figures(mugs.vendor)["Today"]
    assert (today["orders"], today["revenue"], today["fees"], today["net"]) == (0, 0, 0, 0)
    assert today["refunds"] == mugs.total


def test_a_refund_counts_in_the_period_it_was_made(mugs, vendor_a):
    Order.objects.filter(pk=mugs.pk).update(paid_at=timezone.now() - timedelta(days=10))
    order_refund(order=mugs, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))

    figures = _figures(vendor_a)
    # Sold 10 days ago, refunded today: the week shows only the refund; the month, both.
    assert (figures["7 days"]["orders"], figures["7 days"]["revenue"]) == (0, Decimal("-10.00"))
    assert figures["30 days"]["revenue"] == mugs.total - Decimal("10.00")


def test_the_dashboard_shows_refunds_and_the_net_after_them(client, mugs, vendor_a):
    refund = order_refund(order=mugs, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    client.force_login(vendor_a.owner)

    page = client.get("/shops/dashboard/").content.decode()

    assert '<th scope="col">Refunds</th>' in page
    assert f"${mugs.total - Decimal('10.00')}" in page and f"${mugs.vendor_net - refund.shop_share}" in page


def test_the_csv_export_shows_what_was_refunded_and_the_net_after_it(mugs, vendor_a):
    from orders.export import order_export_rows

    refund = order_refund(order=mugs, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    day = timezone.localdate()

    header, *rows = order_export_rows(vendor=vendor_a, date_from=day, date_to=day)

    [row] = [dict(zip(header, r, strict=True)) for r in rows]
    assert row["shop_net"] == str(mugs.vendor_net)
    assert row["order_refunded"] == "10.00"
    assert row["shop_net_after_refunds"] == str(mugs.vendor_net - refund.shop_share)
