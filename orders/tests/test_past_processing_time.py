"""``orders_past_processing_time`` (SQL, for the dashboard and the admin filter) says what the hourly reminder says."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.housekeeping import orders_remind_unshipped
from orders.models import Order
from orders.selectors import orders_past_processing_time
from orders.services import order_mark_shipped
from vendors.models import Vendor

from .factories import paid_order

pytestmark = pytest.mark.django_db


def test_the_sql_rule_and_the_reminders_agree(shopper, vendor_a, vendor_b):
    Vendor.objects.filter(pk=vendor_b.pk).update(processing_days=7)
    now = timezone.now()
    ages = {  # (shop, days since payment): overdue?
        (vendor_a, 2): False, (vendor_a, 3.01): True, (vendor_a, 10): True,
        (vendor_b, 3.01): False, (vendor_b, 6.99): False, (vendor_b, 7.01): True,
    }  # fmt: skip
    orders = {}
    for (vendor, days), _ in ages.items():
        order = paid_order(user=shopper, vendor=vendor)
        Order.objects.filter(pk=order.pk).update(paid_at=now - timedelta(days=days))
        orders[(vendor, days)] = order
    shipped = paid_order(user=shopper, vendor=vendor_a)
    Order.objects.filter(pk=shipped.pk).update(paid_at=now - timedelta(days=30))
    order_mark_shipped(order=shipped, by=vendor_a.owner, carrier="DPD", tracking_number="1")

    expected = {orders[key].pk for key, overdue in ages.items() if overdue}
    assert set(orders_past_processing_time(now=now).values_list("pk", flat=True)) == expected

    orders_remind_unshipped(now=now)
    assert set(Order.objects.filter(shop_reminded_at__isnull=False).values_list("pk", flat=True)) == expected
