from functools import cached_property

from django.core.paginator import Paginator
from django.shortcuts import render

from marketplace.cache_versions import catalogue_version
from vendors.selectors import vendor_get_visible, vendor_list_near, vendor_map_marker

from . import selectors, seo
from .search import SearchError, search_params_parse


def home(request):
    context = {
        "categories": selectors.category_list_top_level(),
        "new_arrivals": selectors.product_list_new_arrivals(limit=12),
    }
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


def storefront(request, slug: str):
    """A shop's page: its details and its listed products. Here, not in vendors/, because it lists the
    catalogue, and the vendors app knows nothing of the catalogue (CONVENTIONS.md: one-way app graph)."""
    vendor = vendor_get_visible(slug=slug)
    sort = request.GET.get("sort", "newest")
    if sort not in selectors.STOREFRONT_SORTS:
        sort = "newest"
    products = selectors.product_list_for_vendor_storefront(vendor=vendor, sort=sort)
    page = Paginator(products, 24).get_page(request.GET.get("page"))
    context = {
        "vendor": vendor,
        "page": page,
        "sort": sort,
        "sorts": selectors.STOREFRONT_SORTS,
        "shop_marker": vendor_map_marker(vendor=vendor),
    }
    return render(request, "vendors/storefront.html", context)


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
    return render(request, "catalog/product.html", context)


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
