import json

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from marketplace.cache_versions import catalogue_version
from vendors.models import Vendor

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


def _in_model_order(model, names: tuple[str, ...]) -> tuple[str, ...]:
    """Column names in the model's field order, the order ``Model.from_db`` expects its values in."""
    order = [f.attname for f in model._meta.concrete_fields]
    return tuple(sorted(names, key=order.index))


CARD_FIELDS = _in_model_order(
    Product, ("id", "title", "slug", "price", "currency", "status", "vendor_id", "category_id")
)
CARD_VENDOR_FIELDS = _in_model_order(
    Vendor, ("id", "name", "slug", "town", "country", "latitude", "longitude", "status", "payouts_enabled")
)
CARD_IMAGE_FIELDS = _in_model_order(
    ProductImage,
    ("id", "product_id", "original", "width", "height", "alt_text", "renditions", "position", "is_primary"),
)
# What Product.objects.visible() means, in SQL (search and the cards below; a test keeps them equal).
VISIBLE_SQL = "p.status = 'active' AND v.status = 'approved' AND v.payouts_enabled"
_CARDS_SQL = (  # column names and constants only; the ids are a bound parameter
    "SELECT "  # noqa: S608
    + ", ".join(
        [f"p.{f}" for f in CARD_FIELDS] + [f"v.{f}" for f in CARD_VENDOR_FIELDS] + [f"i.{f}" for f in CARD_IMAGE_FIELDS]
    )
    + " FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id"
    " LEFT JOIN catalog_productimage i ON i.product_id = p.id AND i.is_primary"
    f" WHERE p.id = ANY(%s) AND {VISIBLE_SQL}"
)


def products_by_ids(ids: list[int], *, full: bool = False) -> list[Product]:
    """Products in the order of ``ids`` (search results), visible ones only.

    By default only what a product card shows, with its shop and main photo, in
    one statement built once: through the ORM (a select_related plus a photo
    query) a page of 24 cards cost ~3 ms, mostly compiling queries and building
    querysets. ``full`` gives the API's complete representation.
    """
    if not ids:
        return []
    if full:
        found = {p.pk: p for p in _with_listing_data(Product.objects.visible().filter(pk__in=ids))}
        return [found[pk] for pk in ids if pk in found]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_CARDS_SQL, [list(ids)])
        rows = cursor.fetchall()
    n_product, n_vendor = len(CARD_FIELDS), len(CARD_VENDOR_FIELDS)
    found = {}
    for row in rows:
        product = Product.from_db("default", CARD_FIELDS, row[:n_product])
        vendor = Vendor.from_db("default", CARD_VENDOR_FIELDS, row[n_product : n_product + n_vendor])
        product._state.fields_cache["vendor"] = vendor
        image_values = list(row[n_product + n_vendor :])
        if image_values[0] is None:
            product._card_image = None
        else:
            renditions = image_values[CARD_IMAGE_FIELDS.index("renditions")]
            if isinstance(renditions, str | bytes):  # Django reads jsonb as text and decodes in the field
                image_values[CARD_IMAGE_FIELDS.index("renditions")] = json.loads(renditions)
            product._card_image = ProductImage.from_db("default", CARD_IMAGE_FIELDS, image_values)
        found[product.pk] = product
    return [found[pk] for pk in ids if pk in found]
