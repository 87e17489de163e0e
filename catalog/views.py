from functools import cached_property

from django.shortcuts import render

from marketplace.cache_versions import REVIEWS_ANY, catalogue_version
from marketplace.page_cache import guest_page_cache
from vendors.selectors import vendor_get_visible, vendor_list_near, vendor_map_marker

from . import recently_viewed, selectors, seo
from .search import SearchError, search_params_parse
from .services.shopper_lists import recently_viewed_record


# A guest's recently viewed strip is put into each copy (catalog.recently_viewed.guest_section_html),
# so one cached home page serves every guest.
@guest_page_cache
def home(request):
    context = {
        "categories": selectors.category_list_top_level(),
        "new_arrivals": selectors.product_list_new_arrivals(limit=12),
        # Signed in: the newest work of the shops they follow (one query, bounded).
        "from_followed": selectors.product_list_from_followed_shops(user=request.user, limit=8),
        # Signed in: the account's list (a guest's strip comes from guest_recently_viewed).
        "recently_viewed": selectors.recently_viewed_products(user=request.user, guest_ids=[])
        if request.user.is_authenticated
        else [],
    }
    shown = [p.pk for key in ("new_arrivals", "from_followed", "recently_viewed") for p in context[key]]
    context["hearted"] = selectors.favourite_product_ids(user=request.user, product_ids=shown)
    # Shops near you, when the shopper shares a location (their browser's, or a town).
    try:
        params = search_params_parse({k: request.GET.get(k, "") for k in ("lat", "lng", "near")})
    except SearchError as exc:
        context["location_error"] = str(exc)
    else:
        if params.has_location:
            context["shops_near"] = vendor_list_near(lat=params.lat, lng=params.lng)
            context["near"] = params.near
    return render(request, "catalog/home.html", context)


@guest_page_cache
def storefront(request, slug: str):
    """A shop's page: its details and its listed products. Here, not in vendors/, because it lists the
    catalogue, and the vendors app knows nothing of the catalogue (CONVENTIONS.md: one-way app graph)."""
    vendor = vendor_get_visible(slug=slug)
    sort = request.GET.get("sort", "newest")
    if sort not in selectors.STOREFRONT_SORTS:
        sort = "newest"
    page = selectors.storefront_page(vendor=vendor, sort=sort, page=request.GET.get("page"))
    context = {
        "vendor": vendor,
        "page": page,
        "sort": sort,
        "sorts": selectors.STOREFRONT_SORTS,
        "shop_marker": vendor_map_marker(vendor=vendor),
        "following": selectors.follow_exists(user=request.user, vendor=vendor),
        "hearted": selectors.favourite_product_ids(user=request.user, product_ids=[p.pk for p in page]),
    }
    return render(request, "vendors/storefront.html", context)


def _guest_viewed(request, response, product_id: int) -> None:
    ids = recently_viewed.guest_ids(request)
    if ids[:1] != [product_id]:  # already first: nothing to write
        recently_viewed.store(response, recently_viewed.pushed(ids, product_id))


@guest_page_cache(
    # Its reviews section is on the page; the cookie update happens for a cached copy too.
    versions=[REVIEWS_ANY],
    on_hit=lambda request, response, extra: _guest_viewed(request, response, extra["product"]),
)
def product_page(request, slug: str):
    # Photos, shipping and structured data only matter when a cached fragment is rebuilt:
    # a warm page costs one query (which shoppers may see, and the live stock for the form).
    product = selectors.product_for_page(slug=slug)
    # The gallery works without JavaScript: each thumbnail links to ?image=<id>.
    chosen = request.GET.get("image", "")
    context = {
        "product": product,
        "derived": _ProductPageData(request=request, product=product, chosen=chosen),
        "image_key": chosen if chosen.isdigit() else "",
        # The template caches what is the same for everyone under this version (edits bump it).
        "catalogue_version": catalogue_version(),
    }
    user = request.user
    if user.is_authenticated:
        # Per person, so outside the cached fragments; a guest's page stays at one query.
        context["favourited"] = bool(selectors.favourite_product_ids(user=user, product_ids=[product.pk]))
        if product.vendor.owner_id == user.pk:
            context["favourite_count"] = selectors.favourite_count(product=product)
        recently_viewed_record(user=user, product_id=product.pk)
    response = render(request, "catalog/product.html", context)
    if user.is_authenticated:
        if recently_viewed.COOKIE in request.COOKIES:
            recently_viewed.forget(response)  # merged into the account at sign-in
    else:
        _guest_viewed(request, response, product.pk)
        response.guest_page_extra = {"product": product.pk}
    return response


class _ProductPageData:
    """What the product page derives from the product: computed only when a cached fragment is rebuilt."""

    def __init__(self, *, request, product, chosen: str):
        self.request, self.product, self.chosen = request, product, chosen

    @cached_property
    def images(self) -> list:
        return selectors.product_images(product=self.product)

    @cached_property
    def main_image(self):
        chosen = next((i for i in self.images if str(i.pk) == self.chosen), None)
        return chosen or (self.images[0] if self.images else None)

    @cached_property
    def shipping(self) -> dict:
        return selectors.product_shipping_summary(product=self.product)

    @cached_property
    def structured_data(self) -> dict:
        self.product._prefetched_objects_cache = {"images": self.images}  # no second photo query
        return seo.product_structured_data(product=self.product, absolute=self.request.build_absolute_uri)

    @cached_property
    def og_image(self) -> str:
        main = self.main_image
        return self.request.build_absolute_uri(seo.product_image_url(main)) if main else ""
