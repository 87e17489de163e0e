"""A shop's orders as CSV rows, one per order item, for its own bookkeeping.

Reads only through ``orders_for_shop`` (the shop's own, paid, orders), so the export can never show
another shop's part of a checkout. Money is written as plain decimals (``12.50``), dates as ISO 8601 in
the site's time zone. Text a person typed (titles, names, addresses) is defused against spreadsheet
formulas: a cell that starts with ``= + - @`` (or a tab / CR) gets a leading apostrophe.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import OrderItem, OrderRefund
from .selectors import orders_for_shop

HEADER = [
    "order_number", "placed_at", "paid_at", "status", "currency",
    "buyer_name", "buyer_email", "ship_line1", "ship_line2", "ship_city", "ship_postcode", "ship_country",
    "product_id", "item_title", "quantity", "unit_price", "line_total",
    "order_subtotal", "order_shipping", "order_total", "platform_fee", "shop_net",
    "order_refunded", "shop_net_after_refunds",
    "carrier", "tracking_number", "shipped_at",
]  # fmt: skip
SUCCEEDED = Q(order__refunds__status=OrderRefund.Status.SUCCEEDED)
ZERO = Value(Decimal("0.00"))
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _when(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def order_export_rows(*, vendor, date_from: date, date_to: date) -> Iterator[list[str]]:
    """The header, then one row per item of ``vendor``'s orders placed from ``date_from`` to ``date_to`` (inclusive)."""
    yield HEADER
    orders = orders_for_shop(vendor=vendor, date_from=date_from, date_to=date_to)
    items = (
        OrderItem.objects.filter(order__in=orders.values("pk"))
        .select_related("order__checkout")
        .annotate(
            # What went back to the shopper so far, and the platform fee returned with it (see OrderRefund).
            refunded=Coalesce(Sum("order__refunds__amount", filter=SUCCEEDED), ZERO),
            fee_returned=Coalesce(Sum("order__refunds__platform_fee_returned", filter=SUCCEEDED), ZERO),
        )
        .order_by("order__created_at", "order__pk", "pk")
    )
    for item in items.iterator(chunk_size=500):
        order, checkout = item.order, item.order.checkout
        yield [
            order.number, _when(order.created_at), _when(order.paid_at), order.status, order.currency,
            _text(checkout.shipping_name), _text(checkout.email), _text(checkout.shipping_line1),
            _text(checkout.shipping_line2), _text(checkout.shipping_city), _text(checkout.shipping_postcode),
            checkout.shipping_country,
            str(item.product_id), _text(item.title), str(item.quantity), str(item.unit_price), str(item.line_total),
            str(order.subtotal), str(order.shipping), str(order.total), str(order.platform_fee), str(order.vendor_net),
            str(item.refunded), str(order.vendor_net - (item.refunded - item.fee_returned)),
            _text(order.carrier), _text(order.tracking_number), _when(order.shipped_at),
        ]  # fmt: skip
