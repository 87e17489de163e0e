from decimal import Decimal

from django.core.files.storage import default_storage
from rest_framework import serializers

from catalog.models import MAX_PRICE, Category, Product, ProductImage
from marketplace.api import InputSerializer


class CategorySerializer(serializers.ModelSerializer):
    parent_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "parent_id"]


class ImageSerializer(serializers.ModelSerializer):
    urls = serializers.SerializerMethodField(
        help_text='{"200": {"webp": url, "jpeg": url}, "400": {...}, "display": {...}}'
    )
    original = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "alt_text", "position", "is_primary", "width", "height", "original", "urls", "created_at"]

    def get_original(self, image) -> str:
        return image.original.url if image.original else ""

    def get_urls(self, image) -> dict[str, dict[str, str]]:
        urls: dict[str, dict[str, str]] = {}
        for size, formats in (image.renditions or {}).items():
            if isinstance(formats, dict):
                urls[size] = {
                    fmt: default_storage.url(name) for fmt, name in formats.items() if fmt in ("webp", "jpeg")
                }
        return urls


class VendorSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    town = serializers.CharField()
    country = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):
    vendor = VendorSummarySerializer(read_only=True)
    images = ImageSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    category_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "url",
            "title",
            "slug",
            "description",
            "category_id",
            "tags",
            "price",
            "currency",
            "stock_quantity",
            "made_to_order",
            "processing_days",
            "shipping_override",
            "status",
            "vendor",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductWriteSerializer(InputSerializer):
    """What a vendor may set. Anything else in the body (vendor, rating, slug…) is refused by name."""

    title = serializers.CharField(max_length=140)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    category_id = serializers.PrimaryKeyRelatedField(source="category", queryset=Category.objects.all())
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=13)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_PRICE)
    stock_quantity = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    made_to_order = serializers.BooleanField(required=False)
    processing_days = serializers.IntegerField(min_value=0, max_value=90, required=False)
    shipping_override = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=MAX_PRICE, required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
