from django.contrib import admin

from marketplace.admin import InvalidatesCatalogueMixin
from marketplace.cache_versions import catalogue_changed

from .models import Category, Product, ProductImage


@admin.register(Category)
class CategoryAdmin(InvalidatesCatalogueMixin, admin.ModelAdmin):
    list_display = ["__str__", "parent", "slug", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["parent__name", "position", "name"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["original", "alt_text", "position", "is_primary", "width", "height"]
    readonly_fields = ["width", "height"]


@admin.action(description="Hide selected products (move to draft)")
def hide_products(modeladmin, request, queryset):
    updated = queryset.filter(status=Product.Status.ACTIVE).update(status=Product.Status.DRAFT)
    catalogue_changed()
    modeladmin.message_user(request, f"Hid {updated} product(s).")


@admin.action(description="Unhide selected products (make active)")
def unhide_products(modeladmin, request, queryset):
    updated = queryset.filter(status=Product.Status.DRAFT).update(status=Product.Status.ACTIVE)
    catalogue_changed()
    modeladmin.message_user(request, f"Unhid {updated} product(s).")


@admin.register(Product)
class ProductAdmin(InvalidatesCatalogueMixin, admin.ModelAdmin):
    list_display = ["title", "vendor", "category", "price", "stock_quantity", "status", "created_at"]
    list_filter = ["status", "made_to_order", ("category", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "slug", "vendor__name"]
    list_select_related = ["vendor", "category"]
    autocomplete_fields = ["vendor", "category"]
    readonly_fields = ["created_at", "updated_at", "currency"]
    inlines = [ProductImageInline]
    actions = [hide_products, unhide_products]
    show_full_result_count = False  # an exact count(*) over 100K+ rows on every page is wasted work
