from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .models import Category, Product, ProductImage


def _with_listing_data(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.select_related("vendor", "category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "position", "id"))
    )


def product_list_new_arrivals(*, limit: int = 12) -> list[Product]:
    return list(_with_listing_data(Product.objects.visible().order_by("-created_at", "-id"))[:limit])


def category_list_top_level() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True)


def category_descendant_ids(*, category: Category) -> list[int]:
    """The category and everything below it (one recursive query)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree(id) AS (
                SELECT id FROM catalog_category WHERE id = %s
                UNION ALL
                SELECT c.id FROM catalog_category c JOIN tree t ON c.parent_id = t.id
            )
            SELECT id FROM tree
            """,
            [category.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def product_list_for_category(*, category: Category) -> QuerySet[Product]:
    ids = category_descendant_ids(category=category)
    return _with_listing_data(Product.objects.visible().filter(category_id__in=ids).order_by("-created_at", "-id"))


def product_get_visible(*, slug: str) -> Product:
    """A product a shopper may see, or 404."""
    return get_object_or_404(_with_listing_data(Product.objects.visible()), slug=slug)


def product_list_for_vendor_storefront(*, vendor) -> QuerySet[Product]:
    return _with_listing_data(Product.objects.visible().filter(vendor=vendor).order_by("-created_at", "-id"))
