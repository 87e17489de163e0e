from django.contrib import messages
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Category
from .search import PRICE_BUCKETS, SORTS, SearchError, SearchParams, product_search, search_params_parse


def _search_page(request, *, template: str, category: Category | None = None, extra: dict | None = None):
    try:
        params = search_params_parse(request.GET, default_category=category)
        result = product_search(params=params)
    except SearchError as exc:
        # A friendly word and the unfiltered page, never an error page.
        messages.warning(request, f"{exc} Showing everything instead.")
        params = SearchParams(category=category)
        result = product_search(params=params)
    shops = {p.vendor_id: p.vendor for p in result.products if p.vendor.latitude is not None}
    shop_markers = [
        {"lat": v.latitude, "lng": v.longitude, "label": f"{v.name}, {v.town}", "url": v.get_absolute_url()}
        for v in shops.values()
    ]
    context = {
        "params": params,
        "result": result,
        "shop_markers": shop_markers,
        "sorts": SORTS,
        "price_buckets": PRICE_BUCKETS,
        "categories": selectors.category_list_top_level().prefetch_related("children"),
        "category": category,
        **(extra or {}),
    }
    if request.htmx and request.htmx.target == "search-results":
        template += "#results"
    return render(request, template, context)


def search(request):
    return _search_page(request, template="catalog/search.html")


def category_page(request, slug: str):
    category = get_object_or_404(Category, slug=slug)
    extra = {"children": category.children.all()}
    return _search_page(request, template="catalog/category.html", category=category, extra=extra)
