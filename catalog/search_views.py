import hashlib

from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from marketplace.cache_versions import catalogue_version
from marketplace.page_cache import guest_page_cache, html_packed, html_unpacked

from . import selectors
from .cards import cards_for
from .models import Category
from .search import CACHE_SECONDS, PRICE_BUCKETS, SORTS, SearchError, SearchParams, product_search, search_params_parse


def _search_page(request, *, template: str, category: Category | None = None, extra: dict | None = None):
    search_error = ""
    try:
        params = search_params_parse(request.GET, default_category=category)
    except SearchError as exc:
        # A friendly word next to the form and the unfiltered results, never an error page. Not a flash
        # message: an HTMX answer would leave it unseen until some later page.
        search_error = f"{exc} Showing everything instead."
        params = SearchParams(category=category)
    context = {
        "search_error": search_error,
        "params": params,
        "sorts": SORTS,
        "price_buckets": PRICE_BUCKETS,
        "categories": selectors.category_tree(),
        "ratings_exist": selectors.any_visible_product_rated(),
        "category": category,
        **(extra or {}),
    }
    context["results_html"] = _results_html(request, params=params, context=context)
    if request.htmx and request.htmx.target == "search-results":
        template += "#results"
    return render(request, template, context)


def _results_html(request, *, params: SearchParams, context: dict) -> str:
    """The results component (cards, facets, map, pages), rendered once per query and catalogue version.

    It holds nothing personal (no user, cart, CSRF token or CSP nonce), and its key
    includes the catalogue version that every product, shop and category write
    bumps, so a cached copy never outlives an edit. Rendering 24 cards costs more
    than the search itself; a repeated query now costs a cache read.

    Kept compressed (~40 KB of HTML, 4-7 KB kept): it is the largest thing the cache
    holds, for 5 minutes, once per distinct search.
    """
    query = sorted((key, values) for key, values in request.GET.lists())
    raw = f"{catalogue_version()}|{context['category'].pk if context['category'] else ''}|{query!r}"
    key = "search-html-z:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    packed = cache.get(key)
    if packed is not None:
        return mark_safe(html_unpacked(packed).decode())  # noqa: S308 -- our own template's output
    result = product_search(params=params)
    cards = cards_for(result.ids, next_path=request.get_full_path())
    html = render_to_string(
        "catalog/_search_results.html",
        {**context, "result": result, "cards": cards, "shop_markers": cards.markers},
        request=request,
    )
    cache.set(key, html_packed(html), CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 -- our own template's output


@guest_page_cache
def search(request):
    return _search_page(request, template="catalog/search.html")


@guest_page_cache
def category_page(request, slug: str):
    category = get_object_or_404(Category, slug=slug)
    extra = {"children": category.children.all()}
    return _search_page(request, template="catalog/category.html", category=category, extra=extra)
