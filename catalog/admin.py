from django.contrib import admin

from marketplace.admin import CsvExportMixin, InvalidatesCatalogueMixin, ReadOnlyAdmin, link_to

from .admin_actions import ProductModerationMixin, hide_products, unhide_products
from .models import Category, Product, ProductImage, ProductModeration


@admin.register(Category)
class CategoryAdmin(InvalidatesCatalogueMixin, admin.ModelAdmin):
    list_display = ["__str__", "parent", "slug", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["parent__name", "position", "name"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["original", "alt_text", "position", "is_primary", "width", "height"]
    readonly_fields = ["width", "height"]


@admin.register(Product)
class ProductAdmin(ProductModerationMixin, CsvExportMixin, InvalidatesCatalogueMixin, admin.ModelAdmin):
    list_display = ["title", "shop", "category", "price", "stock_quantity", "status", "rating_avg", "created_at"]
    list_filter = ["status", "made_to_order", ("category", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["title", "slug", "vendor__name"]
    list_select_related = ["vendor", "category"]
    autocomplete_fields = ["vendor", "category"]
    readonly_fields = ["created_at", "updated_at", "currency", "rating_avg", "rating_count"]
    inlines = [ProductImageInline]
    actions = [hide_products, unhide_products]  # catalog/admin_actions.py
    show_full_result_count = False  # an exact count(*) over 100K+ rows on every page is wasted work
    csv_fields = ["id", "title", "slug", "vendor", "vendor__name", "category__name", "price", "currency",
                  "stock_quantity", "made_to_order", "status", "rating_avg", "rating_count", "created_at"]  # fmt: skip

    shop = link_to("vendor", "shop")


@admin.register(ProductModeration)
class ProductModerationAdmin(ReadOnlyAdmin):
    """Products staff hid or unhid, and why: read-only, written by the service."""

    list_display = ["changed_at", "product", "action", "reason", "changed_by"]
    list_filter = ["action"]
    search_fields = ["product__title", "reason"]
    list_select_related = ["product", "changed_by"]
