from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from marketplace.cache_versions import catalogue_version

from .models import Category, Product, ProductImage


def _with_listing_data(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.select_related("vendor", "category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "position", "id"))
    )


def product_list_visible() -> QuerySet[Product]:
    return _with_listing_data(Product.objects.visible().order_by("-created_at", "-id"))


def product_list_new_arrivals(*, limit: int = 12) -> list[Product]:
    return list(_with_listing_data(Product.objects.visible().order_by("-created_at", "-id"))[:limit])


def category_list_top_level() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True)


def category_tree() -> list[Category]:
    """Top-level categories with their children loaded: the category menus on every search page.

    Cached under the catalogue version (category edits bump it), so a page pays a
    cache read instead of two queries.
    """
    key = f"category-tree:{catalogue_version()}"
    tree = cache.get(key)
    if tree is None:
        tree = list(category_list_top_level().prefetch_related("children"))
        cache.set(key, tree, 3600)
    return tree


def category_names() -> dict[int, tuple[str, str]]:
    """Every category's (name, slug) by id, for facets; cached under the catalogue version."""
    key = f"category-names:{catalogue_version()}"
    names = cache.get(key)
    if names is None:
        names = {pk: (name, slug) for pk, name, slug in Category.objects.values_list("pk", "name", "slug")}
        cache.set(key, names, 3600)
    return names


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


def product_get_visible(*, slug: str, with_images: bool = True) -> Product:
    """A product a shopper may see, or 404; ``with_images=False`` leaves its photos to be loaded on use."""
    qs = Product.objects.visible()
    qs = _with_listing_data(qs) if with_images else qs.select_related("vendor", "category")
    return get_object_or_404(qs, slug=slug)


def product_images(*, product: Product) -> list[ProductImage]:
    """A product's photos, the main one first, then in the maker's order."""
    return list(product.images.order_by("-is_primary", "position", "id"))


STOREFRONT_SORTS = {
    "newest": ("Newest", ("-created_at", "-id")),
    "price_asc": ("Price: low to high", ("price", "id")),
    "price_desc": ("Price: high to low", ("-price", "-id")),
}


def product_list_for_vendor_storefront(*, vendor, sort: str = "newest") -> QuerySet[Product]:
    ordering = STOREFRONT_SORTS.get(sort, STOREFRONT_SORTS["newest"])[1]
    return _with_listing_data(Product.objects.visible().filter(vendor=vendor).order_by(*ordering))


def product_get_for_owner(*, user, product_id: int) -> Product:
    """Product ``product_id`` if ``user``'s shop owns it; 404 for anyone else (ids are not confirmed)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Product.objects.select_related("vendor", "category"), pk=product_id, vendor__owner=user)


def product_get_readable(*, user, product_id: int) -> Product:
    """A product the user may read: any visible product, or one of their own in any status."""
    qs = _with_listing_data(Product.objects.all())
    product = get_object_or_404(qs, pk=product_id)
    if product.vendor.owner_id == getattr(user, "pk", None):
        return product
    if not Product.objects.visible().filter(pk=product.pk).exists():
        raise Http404
    return product


def product_list_for_vendor_dashboard(*, vendor, q: str = "", status: str = "") -> QuerySet[Product]:
    qs = Product.objects.filter(vendor=vendor).select_related("category").order_by("-updated_at", "-id")
    if q:
        qs = qs.filter(title__icontains=q)
    if status in Product.Status.values:
        qs = qs.filter(status=status)
    return qs


def product_shipping_summary(*, product: Product) -> dict:
    """What shipping this item costs from its shop, for the product page."""
    vendor = product.vendor
    return {
        "cost": product.shipping_override if product.shipping_override is not None else vendor.shipping_flat,
        "per": "item" if product.shipping_override is not None else "order",
        "free_over": vendor.free_shipping_over,
        "dispatch_days": product.processing_days if product.made_to_order else vendor.processing_days,
    }


CARD_FIELDS = ("id", "title", "slug", "price", "currency", "status", "vendor_id", "category_id")
CARD_VENDOR_FIELDS = ("name", "slug", "town", "country", "latitude", "longitude", "status", "payouts_enabled")


def products_by_ids(ids: list[int], *, full: bool = False) -> list[Product]:
    """Products in the order of ``ids`` (search results).

    By default only what a product card shows (loading 24 whole rows with their
    descriptions and every image costs more than the search itself); ``full``
    for the API's complete representation.
    """
    if not ids:
        return []
    # Only visible products, even if the ids come from a cached result older than an edit.
    qs = Product.objects.visible().filter(pk__in=ids)
    if full:
        found = {p.pk: p for p in _with_listing_data(qs)}
        return [found[pk] for pk in ids if pk in found]
    qs = qs.select_related("vendor").only(*CARD_FIELDS, *(f"vendor__{f}" for f in CARD_VENDOR_FIELDS))
    found = {p.pk: p for p in qs}
    # The main photos in one query, without prefetch_related's queryset per product (~1 ms a page).
    images = {image.product_id: image for image in ProductImage.objects.filter(product_id__in=found, is_primary=True)}
    for pk, product in found.items():
        product._card_image = images.get(pk)
    return [found[pk] for pk in ids if pk in found]
