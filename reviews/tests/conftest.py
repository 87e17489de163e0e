"""Orders the reviews tests start from: bought through the real checkout, moved on by the real order services."""

import pytest

from orders.services import order_mark_delivered, order_mark_shipped
from orders.tests.factories import paid_order


def shipped_order(*, user, vendor, delivered: bool = True, **kwargs):
    order = paid_order(user=user, vendor=vendor, **kwargs)
    order_mark_shipped(order=order, by=vendor.owner, carrier="Royal Mail", tracking_number="RM123")
    if delivered:
        order_mark_delivered(order=order, by=vendor.owner)
    order.refresh_from_db()
    return order


@pytest.fixture
def bought(shopper, vendor_a):
    """An item ``shopper`` bought from ``vendor_a`` (Kiln & Co), delivered."""
    return shipped_order(user=shopper, vendor=vendor_a).items.get()


@pytest.fixture
def product(bought):
    return bought.product
