"""Reviews on other apps' pages, loaded by name so catalog and vendors needn't import reviews.

{% load reviews_tags %}
{% product_reviews product %}          the product page's reviews section (list, sort, stars filter)
{% shop_rating vendor %}               a storefront's stars, count and histogram
{% product_json_ld data product %}     the product page's JSON-LD, with its reviews added
{% stars value %}                      "★★★★☆" with an accessible label
"""

import hashlib
from urllib.parse import urlencode

from django import template
from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from marketplace.templatetags.site_tags import json_ld

from .. import selectors
from ..photos import photo_url

register = template.Library()

PER_PAGE = 10


def product_reviews_context(*, request, product) -> dict:
    """What ``reviews/_section.html`` shows, from the query string (``review_sort``, ``stars``, ``review_page``)."""
    sort = request.GET.get("review_sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    stars_raw = request.GET.get("stars", "")
    stars = int(stars_raw) if stars_raw in {"1", "2", "3", "4", "5"} else None
    reviews = selectors.reviews_for_product(product=product, sort=sort, stars=stars)
    page = Paginator(reviews, PER_PAGE).get_page(request.GET.get("review_page"))
    return {
        "request": request,
        "user": request.user,
        "product": product,
        "summary": selectors.product_rating_summary(product=product),
        "page": page,
        "sort": sort,
        "sorts": {key: label for key, (label, _) in selectors.SORTS.items()},
        "stars": stars,
    }


@register.simple_tag(takes_context=True)
def reviews_query(context, **changes) -> str:
    """The section's own query (sort, stars, page) with ``changes``: links never carry anything else,
    so a cached section holds no parameters of whoever happened to render it first."""
    query = {"review_sort": context["sort"], "stars": context["stars"], "review_page": context["page"].number}
    query.update(changes)
    if query["review_sort"] == selectors.DEFAULT_SORT:
        query["review_sort"] = None
    if query["review_page"] == 1:
        query["review_page"] = None
    return urlencode({key: value for key, value in query.items() if value not in (None, "")})


@register.simple_tag(takes_context=True)
def product_reviews(context, product):
    """The section; for guests (no forms, so no CSRF token in it) cached under the product's reviews version,
    so a warm product page reads no review rows. A product without reviews (most of them) draws its empty
    section with no query, which costs less than the cache's round trips."""
    request = context["request"]
    if request.user.is_authenticated or not product.rating_count:
        return render_to_string("reviews/_section.html", product_reviews_context(request=request, product=product))
    query = {k: request.GET.get(k, "") for k in ("review_sort", "stars", "review_page", "image")}
    digest = hashlib.sha256(repr(sorted(query.items())).encode()).hexdigest()[:16]
    key = f"product-reviews:{product.pk}:{selectors.product_reviews_version(product.pk)}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("reviews/_section.html", product_reviews_context(request=request, product=product))
        cache.set(key, html, 600)
    return mark_safe(html)  # noqa: S308 -- rendered by our template, every value escaped there


@register.inclusion_tag("reviews/_shop_rating.html")
def shop_rating(vendor):
    return {"summary": selectors.shop_rating_summary(vendor=vendor), "vendor": vendor}


@register.filter
def reviewer_name(user) -> str:
    return selectors.reviewer_name(user)


@register.simple_tag
def stars(value, count=None):
    """Five stars, filled to ``value`` rounded to the nearest whole star, labelled for screen readers."""
    if value is None:
        return ""
    filled = int(float(value) + 0.5)
    label = f"Rated {value} out of 5" + (f" from {count} review{'s' if count != 1 else ''}" if count else "")
    return format_html(
        '<span class="stars" role="img" aria-label="{}">{}{}</span>', label, "★" * filled, "☆" * (5 - filled)
    )


@register.simple_tag
def product_json_ld(data: dict, product):
    """``data`` (catalog's schema.org Product) with up to five of the most helpful reviews, as a script block."""
    reviews = selectors.reviews_for_product(product=product)[:5]
    if reviews:
        data = {
            **data,
            "review": [
                {
                    "@type": "Review",
                    "reviewRating": {
                        "@type": "Rating",
                        "ratingValue": review.rating,
                        "bestRating": 5,
                        "worstRating": 1,
                    },
                    "author": {"@type": "Person", "name": selectors.reviewer_name(review.author)},
                    "datePublished": review.created_at.date().isoformat(),
                    **({"name": review.title} if review.title else {}),
                    **({"reviewBody": review.text} if review.text else {}),
                }
                for review in reviews
            ],
        }
    return json_ld(data)


@register.simple_tag(takes_context=True)
def order_review_links(context, order) -> list[dict]:
    """The shopper's order page: each item with its review or a "Write a review" link, once the order has shipped."""
    from ..services import REVIEWABLE_STATUSES

    if order.status not in REVIEWABLE_STATUSES:
        return []
    return selectors.order_review_links(order=order, user=context["request"].user)


@register.simple_tag
def review_photo_url(photo, size: str = "200") -> str:
    return photo_url(photo, size)
