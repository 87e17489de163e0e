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
    platform_fee = serializers.DecimalField(**_money)
    vendor_net = serializers.DecimalField(**_money, help_text="What the shop receives: total less the platform fee.")
    ship_to = ShipToOut(source="checkout")
    messages = OrderMessageOut(many=True, help_text="The order's conversation between buyer and shop, oldest first.")


def with_shop_details(queryset):
    """What ``ShopOrderOut`` reads, fetched up front (a list page costs the same queries as one order)."""
    return queryset.select_related("vendor", "checkout").prefetch_related("items", "status_changes", "messages")
