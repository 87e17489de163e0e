"""The selling shop's view of its order through the API: the buyer's view plus what the shop needs to
fulfil it (where to ship, the buyer's messages, its fee and net), and nothing else of the buyer.

Never the buyer's email or account id (the shop talks to the buyer through the order's messages),
never another shop's part of the same checkout: an ``Order`` is one shop's lines only.
"""

from rest_framework import serializers

from .views import OrderSummaryOut

_money = {"max_digits": 12, "decimal_places": 2}


class ShipToOut(serializers.Serializer):
    name = serializers.CharField(source="shipping_name")
    line1 = serializers.CharField(source="shipping_line1")
    line2 = serializers.CharField(source="shipping_line2")
    city = serializers.CharField(source="shipping_city")
    postcode = serializers.CharField(source="shipping_postcode")
    country = serializers.CharField(source="shipping_country")


class OrderMessageOut(serializers.Serializer):
    from_shop = serializers.BooleanField(help_text="Written by the shop; else by the buyer.")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class ShopOrderOut(OrderSummaryOut):
    """Also the documented answer of ``GET /api/orders/{id}``: the shop's fields are optional there, since the
    buyer's reading leaves them out (``required=False`` only shapes the schema; output always has them)."""

    _shop_only = " Only when the selling shop (or staff) reads the order."
    platform_fee = serializers.DecimalField(**_money, required=False, help_text="The platform's fee." + _shop_only)
    vendor_net = serializers.DecimalField(
        **_money, required=False, help_text="What the shop receives: total less the platform fee." + _shop_only
    )
    ship_to = ShipToOut(source="checkout", required=False, help_text="Where to ship." + _shop_only)
    messages = OrderMessageOut(
        many=True, required=False, help_text="The order's conversation, oldest first." + _shop_only
    )


def with_shop_details(queryset):
    """What ``ShopOrderOut`` reads, fetched up front (a list page costs the same queries as one order)."""
    return queryset.select_related("vendor", "checkout").prefetch_related("items", "status_changes", "messages")
