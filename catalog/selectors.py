from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from marketplace.cache_versions import cached_or_computed, catalogue_cached, catalogue_version
from vendors.models import Vendor

from .models import VISIBLE_SQL, Category, Product, ProductImage


def _with_listing_data(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.select_related("vendor", "category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("-is_primary", "position", "id"))
    )


def product_list_visible() -> QuerySet[Product]:
    return _with_listing_data(Product.objects.visible().order_by("-created_at", "-id"))


def product_list_new_arrivals(*, limit: int = 12) -> list[Product]:
    """The newest visible products, as cards (the home page's, on every visit).

    Which ids are newest is cached under the catalogue version (every listing bumps it); the
    cards load in one prebuilt statement that checks visibility again, so a product hidden
    since stays off. Through the ORM (a query to compile plus a photo prefetch) the list cost
    ~10 ms CPU a visit.
    """
    ids = catalogue_cached(
        f"new-arrival-ids:{limit}",
        lambda: list(Product.objects.visible().order_by("-created_at", "-id").values_list("pk", flat=True)[:limit]),
    )
    return products_by_ids(ids)


def category_list_top_level() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True)


def category_tree() -> list[Category]:
    """Top-level categories with their children loaded: the category menus on every search page.

    Cached under the catalogue version (category edits bump it) and held in the process, so a
    page pays neither two queries nor a cache read. Shared: callers must not modify it.
    """
    return catalogue_cached("category-tree", lambda: list(category_list_top_level().prefetch_related("children")))


CATEGORY_INDENT = "\xa0\xa0\xa0"  # no-break spaces: a <select> keeps them


def category_choices() -> list[tuple[int, str]]:
    """Every category as (id, label) for a menu: each parent, then its children indented under it.

    One query; siblings keep the categories' own order (position, then name), at any depth.
    """
    children: dict[int | None, list[Category]] = {}
    for category in Category.objects.all():
        children.setdefault(category.parent_id, []).append(category)
    choices: list[tuple[int, str]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            choices.append((category.pk, CATEGORY_INDENT * depth + category.name))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return choices


def any_visible_product_rated() -> bool:
    """Whether any product a shopper can see has a rating: until one has, rating filters and sorts can't work.

    One indexed EXISTS, cached under the catalogue version: whatever writes a rating must call
    ``catalogue_changed()`` (as every product write does), which also refreshes this answer.
    """
    return catalogue_cached("ratings-exist", lambda: Product.objects.visible().filter(rating_count__gt=0).exists())


def category_names() -> dict[int, tuple[str, str]]:
    """Every category's (name, slug) by id, for facets; cached under the catalogue version (and in the process)."""
    return catalogue_cached(
        "category-names",
        lambda: {pk: (name, slug) for pk, name, slug in Category.objects.values_list("pk", "name", "slug")},
    )


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


def product_images(*, product: Product) -> list[ProductImage]:
    """A product's photos, the main one first, then in the maker's order."""
    return list(product.images.order_by("-is_primary", "position", "id"))


STOREFRONT_SORTS = {
    "newest": ("Newest", ("-created_at", "-id")),
    "price_asc": ("Price: low to high", ("price", "id")),
    "price_desc": ("Price: high to low", ("-price", "-id")),
}


STOREFRONT_PAGE_SIZE = 24


def storefront_page(*, vendor, sort: str = "newest", page=None) -> Page:
    """One page of a shop's visible products, as cards (``page`` as the query string gives it).

    The shop's ordered ids are cached under the catalogue version (every listing bumps it);
    the page's cards load in one prebuilt statement that checks visibility again, so a product
    hidden since stays off. Through the ORM (count, page query, photo prefetch) a storefront
    cost ~10 ms more CPU a visit.
    """
    if sort not in STOREFRONT_SORTS:
        sort = "newest"
    ordering = STOREFRONT_SORTS[sort][1]
    ids = cached_or_computed(
        f"storefront-ids:{catalogue_version()}:{vendor.pk}:{sort}",
        lambda: list(Product.objects.visible().filter(vendor=vendor).order_by(*ordering).values_list("pk", flat=True)),
        3600,
    )
    found = Paginator(ids, STOREFRONT_PAGE_SIZE).get_page(page)
    found.object_list = products_by_ids(list(found.object_list))
    return found


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
    from django.db.models import Count

    qs = (
        Product.objects.filter(vendor=vendor)
        .select_related("category")
        .annotate(favourite_count=Count("favourites"))  # how many shoppers hearted each, for the shop's list
        .order_by("-updated_at", "-id")
    )
    if q:
        qs = qs.filter(title__icontains=q)
    if status in Product.Status.values:
        qs = qs.filter(status=status)
    return qs


def product_counts_by_status(*, vendor) -> dict[str, int]:
    """How many of the shop's products are in each status, every status present (0 if none)."""
    from django.db.models import Count

    found = dict(Product.objects.filter(vendor=vendor).values_list("status").annotate(n=Count("id")))
    return {status: found.get(status, 0) for status in Product.Status.values}


def product_shipping_summary(*, product: Product) -> dict:
    """What shipping this item costs from its shop, for the product page."""
    vendor = product.vendor
    return {
        "cost": product.shipping_override if product.shipping_override is not None else vendor.shipping_flat,
        "per": "item" if product.shipping_override is not None else "order",
        "free_over": vendor.free_shipping_over,
        "dispatch_days": product.processing_days if product.made_to_order else vendor.processing_days,
    }


class _Columns:
    """Some of a model's columns, selected under a table alias, and turned back into an instance.

    For the two hottest reads (result cards, the product page), whose SQL is built
    once per process: through the ORM, compiling the query and building querysets
    cost more than the database. Values go through each field's ``from_db_value``
    (jsonb arrives as text) and ``Model.from_db``, as the ORM does; columns are in
    the model's field order, the order ``from_db`` expects.
    """

    def __init__(self, model, alias: str, names: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()):
        self.model, self.alias = model, alias
        self.fields = [
            f for f in model._meta.concrete_fields if (names is None or f.attname in names) and f.attname not in exclude
        ]
        self.attnames = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{alias}.{f.column}" for f in self.fields)
        self._convert = [(i, f) for i, f in enumerate(self.fields) if hasattr(f, "from_db_value")]

    def build(self, values):
        from django.db import connection

        if self._convert:
            values = list(values)
            for i, field in self._convert:
                if values[i] is not None:
                    values[i] = field.from_db_value(values[i], None, connection)
        return self.model.from_db("default", self.attnames, values)


def _rows_to_models(rows, *columns: _Columns) -> list[list]:
    """Each row split into one instance per ``columns`` (None where a LEFT JOIN found nothing)."""
    out = []
    for row in rows:
        instances, start = [], 0
        for cols in columns:
            values = row[start : start + len(cols.fields)]
            start += len(cols.fields)
            instances.append(None if values[0] is None else cols.build(values))
        out.append(instances)
    return out


def fetch_rows(sql: str, args: list) -> list[tuple]:
    """Run raw SQL (values always as ``args``) and return every row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


_CARD_PRODUCT = _Columns(
    Product, "p",
    ("id", "title", "slug", "price", "currency", "status", "vendor_id", "category_id", "rating_avg", "rating_count"),
)  # fmt: skip
_CARD_SHOP = _Columns(
    Vendor, "v", ("id", "name", "slug", "town", "country", "latitude", "longitude", "status", "payouts_enabled")
)
_CARD_PHOTO = _Columns(
    ProductImage, "i",
    ("id", "product_id", "original", "width", "height", "alt_text", "renditions", "position", "is_primary"),
)  # fmt: skip
_CARDS_SQL = (  # column names and constants only; the ids are a bound parameter
    f"SELECT {_CARD_PRODUCT.sql}, {_CARD_SHOP.sql}, {_CARD_PHOTO.sql} "  # noqa: S608
    "FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
    "LEFT JOIN catalog_productimage i ON i.product_id = p.id AND i.is_primary "
    f"WHERE p.id = ANY(%s) AND {VISIBLE_SQL}"
)
_PAGE_PRODUCT = _Columns(Product, "p", exclude=("search_vector",))
_PAGE_SHOP = _Columns(Vendor, "v")
_PAGE_CATEGORY = _Columns(Category, "c")
_PRODUCT_PAGE_SQL = (
    f"SELECT {_PAGE_PRODUCT.sql}, {_PAGE_SHOP.sql}, {_PAGE_CATEGORY.sql} "  # noqa: S608
    "FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
    "JOIN catalog_category c ON c.id = p.category_id "
    f"WHERE p.slug = %s AND {VISIBLE_SQL}"
)


def product_for_page(*, slug: str) -> Product:
    """A product a shopper may see, with its shop and category, in one prebuilt statement; or 404.

    The product page's read on every request (its photos load when a cached part
    of the page is rebuilt): ~0.5 ms instead of ~1.5 ms through the ORM.
    """
    rows = _rows_to_models(fetch_rows(_PRODUCT_PAGE_SQL, [slug]), _PAGE_PRODUCT, _PAGE_SHOP, _PAGE_CATEGORY)
    if not rows:
        raise Http404("No such product.")
    product, vendor, category = rows[0]
    product._state.fields_cache.update(vendor=vendor, category=category)
    return product


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
    found = {}
    for product, vendor, photo in _rows_to_models(fetch_rows(_CARDS_SQL, [list(ids)]), _CARD_PRODUCT, _CARD_SHOP,
                                                  _CARD_PHOTO):  # fmt: skip
        product._state.fields_cache["vendor"] = vendor
        product._card_image = photo
        found[product.pk] = product
    return [found[pk] for pk in ids if pk in found]


# --- A shopper's own lists (favourites, followed shops, recently viewed) --------------------------


def product_get_for_favourite(*, product_id: int) -> Product:
    """A product that may be hearted: one shoppers may see; 404 otherwise (hidden ids are not confirmed)."""
    return get_object_or_404(Product.objects.visible().select_related("vendor"), pk=product_id)


def vendor_get_for_follow(*, vendor_id: int) -> Vendor:
    """A shop that may be followed: one shoppers may see; 404 otherwise."""
    return get_object_or_404(Vendor.objects.visible(), pk=vendor_id)


def favourite_get_for_user(*, user, product_id: int):
    """``user``'s favourite of ``product_id`` (with its product), or 404: nobody reaches another person's rows."""
    from .models import Favourite

    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Favourite.objects.select_related("product__vendor"), user=user, product_id=product_id)


def favourite_list_for_user(*, user) -> QuerySet:
    """``user``'s favourites, newest first, each with its product's listing data.

    Products hidden since (archived, or their shop suspended) stay in the list so the person can see
    what happened and remove them; ``favourite.product.is_visible`` says which (the page shows them as
    no longer available, without a link). The API lists the same rows with an ``available`` flag.
    """
    from .models import Favourite

    return (
        Favourite.objects.filter(user=user)
        .select_related("product__vendor", "product__category")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("-is_primary", "position", "id"))
        )
        .order_by("-created_at", "-id")
    )


def favourite_product_ids(*, user, product_ids=None) -> set[int]:
    """Which products ``user`` has hearted (of ``product_ids``, when given): one query for a page of cards."""
    from .models import Favourite

    if not user.is_authenticated:
        return set()
    qs = Favourite.objects.filter(user=user)
    if product_ids is not None:
        qs = qs.filter(product_id__in=list(product_ids))
    return set(qs.values_list("product_id", flat=True))


def favourite_count(*, product: Product) -> int:
    return product.favourites.count()


def follow_list_for_user(*, user) -> QuerySet:
    """The shops ``user`` follows, newest first (suspended shops included, flagged by ``vendor.is_visible``)."""
    from .models import ShopFollow

    return ShopFollow.objects.filter(user=user).select_related("vendor").order_by("-created_at", "-id")


def follow_exists(*, user, vendor) -> bool:
    from .models import ShopFollow

    return user.is_authenticated and ShopFollow.objects.filter(user=user, vendor=vendor).exists()


def product_list_from_followed_shops(*, user, limit: int = 8, since=None) -> list[Product]:
    """The newest visible products of the shops ``user`` follows (``since`` a time, when given).

    One query with a semi-join on the follows (plus the photo prefetch), bounded by ``limit``: no query per shop.
    """
    if not user.is_authenticated:
        return []
    qs = Product.objects.visible().filter(vendor__followers__user=user)
    if since is not None:
        qs = qs.filter(created_at__gt=since)
    return list(_with_listing_data(qs.order_by("-created_at", "-id"))[:limit])


def recently_viewed_products(*, user, guest_ids: list[int], exclude_id: int | None = None) -> list[Product]:
    """What the person looked at last, newest first, only products still visible (hidden ones drop out).

    Signed in: the account's rows; a guest: ``guest_ids`` (from ``catalog.recently_viewed``)."""
    from .models import RecentlyViewed
    from .services.shopper_lists import RECENTLY_VIEWED_MAX

    if user.is_authenticated:
        ids = list(
            RecentlyViewed.objects.filter(user=user)
            .order_by("-viewed_at", "-id")
            .values_list("product_id", flat=True)[:RECENTLY_VIEWED_MAX]
        )
    else:
        ids = guest_ids[:RECENTLY_VIEWED_MAX]
    ids = [pk for pk in ids if pk != exclude_id]
    if not ids:
        return []
    found = {p.pk: p for p in _with_listing_data(Product.objects.visible().filter(pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]
