from decimal import Decimal

from django.conf import settings
from rest_framework import serializers

from marketplace.api import InputSerializer
from vendors.models import Vendor


class VendorPublicSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    currency = serializers.SerializerMethodField(help_text="Of shipping_flat and free_shipping_over (ISO 4217)")

    def get_currency(self, vendor) -> str:
        return settings.MARKETPLACE_CURRENCY

    class Meta:
        model = Vendor
        fields = [
            "id",
            "url",
            "name",
            "slug",
            "description",
            "town",
            "country",
            "latitude",
            "longitude",
            "shipping_flat",
            "free_shipping_over",
            "currency",
            "processing_days",
            "returns_policy",
            "on_holiday",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VendorOwnerSerializer(VendorPublicSerializer):
    """What the owner sees of their own shop (adds status and payout state)."""

    class Meta(VendorPublicSerializer.Meta):
        fields = [*VendorPublicSerializer.Meta.fields, "status", "payouts_enabled", "charges_enabled"]
        read_only_fields = fields


class _ShopFields(InputSerializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    town = serializers.CharField(max_length=120)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2")
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    shipping_flat = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    free_shipping_over = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )
    processing_days = serializers.IntegerField(min_value=0, max_value=90, required=False)
    returns_policy = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class VendorRegisterSerializer(_ShopFields):
    name = serializers.CharField(min_length=3, max_length=80)


class VendorUpdateSerializer(_ShopFields):
    on_holiday = serializers.BooleanField(required=False)
