"""Reading reviews: what shoppers may see, who may act on which review, and the rating summaries.

A review is public while it isn't hidden and its product is one shoppers may see. Access
helpers return the review or raise 404, so ids of hidden reviews don't leak.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from catalog.models import Product
from orders.models import OrderItem

from .models import ProductRating, Review, ShopRating
from .services import REVIEWABLE_STATUSES, order_item_reviewable, rating_average, review_editable

# Sort key -> (label, ordering). "helpful" is the default: it puts the reviews people found useful first.
SORTS = {
    "helpful": ("Most helpful", ("-helpful_count", "-created_at", "-id")),
    "newest": ("Newest", ("-created_at", "-id")),
    "highest": ("Highest rating", ("-rating", "-created_at", "-id")),
    "lowest": ("Lowest rating", ("rating", "-created_at", "-id")),
}
DEFAULT_SORT = "helpful"


def product_reviews_version(product_id: int) -> int:
    """Part of the cache key of a product's rendered reviews (bumped by ``services.product_reviews_changed``)."""
    key = f"version:reviews:{product_id}"
    version = cache.get(key)
    if version is None and not cache.add(key, 1, None):
        version = cache.get(key)  # a bump got there first (get_or_set would read it back every time)
    return version or 1


def reviews_public() -> QuerySet[Review]:
    return Review.objects.filter(is_hidden=False, product__in=Product.objects.visible())


def reviews_for_product(*, product, sort: str = DEFAULT_SORT, stars: int | None = None) -> QuerySet[Review]:
    """``product``'s visible reviews, sorted (unknown sorts fall back to the default), optionally of ``stars`` only.

    Most products have none: their ``rating_count`` (kept with the reviews in one transaction by
    ``services``, and counting visible ones only) says so without a query."""
    if not product.rating_count:
        return Review.objects.none()
    queryset = Review.objects.filter(product=product, is_hidden=False)
    if stars in range(1, 6):
        queryset = queryset.filter(rating=stars)
    ordering = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    return queryset.select_related("author", "reply").prefetch_related("photos").order_by(*ordering)


def review_public(*, review_id: int) -> Review:
    """A review shoppers may see, or 404."""
    review = reviews_public().select_related("vendor", "author").filter(pk=review_id).first()
    if review is None:
        raise Http404("No such review.")
    return review


def review_for_author(*, user, review_id: int) -> Review:
    """``user``'s own review (hidden ones too: the author may still delete theirs), or 404."""
    if not user.is_authenticated:
        raise Http404("No such review.")
    review = Review.objects.select_related("product", "reply").filter(pk=review_id, author=user).first()
    if review is None:
        raise Http404("No such review.")
    return review


def order_item_for_reviewer(*, user, item_id: int) -> OrderItem:
    """One of ``user``'s bought items, or 404; whether it may be reviewed now is ``order_item_reviewable``."""
    if not user.is_authenticated:
        raise Http404("No such item.")
    item = (
        OrderItem.objects.select_related("order__checkout", "order__vendor", "product")
        .filter(pk=item_id, order__checkout__user=user)
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    return item


def order_item_to_review(*, user, product) -> OrderItem | None:
    """For ``POST /api/products/{id}/reviews`` without an item: the newest item of ``product`` ``user`` may review."""
    items = OrderItem.objects.select_related("order__checkout").filter(
        product=product, order__checkout__user=user, order__status__in=REVIEWABLE_STATUSES, review__isnull=True
    )
    for item in items.order_by("-order__created_at", "-pk"):
        if order_item_reviewable(order_item=item, user=user) is None:
            return item
    return None


def author_has_reviewed(*, user, product) -> bool:
    return Review.objects.filter(product=product, author=user).exists()


@dataclass(frozen=True)
class RatingSummary:
    average: object  # Decimal | None
    count: int
    bars: list[tuple[int, int, int]]  # (stars, count, percent), 5 stars first


def _summary(histogram) -> RatingSummary:
    counts = histogram.counts if histogram else {star: 0 for star in range(1, 6)}
    total = sum(counts.values())
    bars = [(star, counts[star], round(100 * counts[star] / total) if total else 0) for star in range(5, 0, -1)]
    return RatingSummary(average=rating_average(counts), count=total, bars=bars)


def product_rating_summary(*, product) -> RatingSummary:
    if not product.rating_count:  # no visible review: the histogram holds only zeros, if it exists
        return _summary(None)
    return _summary(ProductRating.objects.filter(product=product).first())


def shop_rating_summary(*, vendor) -> RatingSummary:
    return _summary(ShopRating.objects.filter(vendor=vendor).first())


def order_review_links(*, order, user) -> list[dict]:
    """For the shopper's order page: each item with its review, or whether one can be written now."""
    reviews = {r.order_item_id: r for r in Review.objects.filter(order_item__order=order, author=user)}
    rows = []
    for item in order.items.all():
        review = reviews.get(item.pk)
        item.order = order
        rows.append({
            "item": item,
            "review": review,
            "editable": bool(review) and review_editable(review=review),
            "refusal": None if review else order_item_reviewable(order_item=item, user=user),
        })  # fmt: skip
    return rows


def reviewer_name(user) -> str:
    """Shown with a review: first name and initial ("Sasha S."), never the email address; "Former customer"
    for an author who deleted their account and chose to leave their reviews up."""
    if getattr(user, "erased_at", None):
        return user.get_short_name()
    parts = (user.name or "").split()
    if not parts:
        return "A shopper"
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else parts[0]


# --- The staff dashboard's figures (registered in reviews/dashboard.py) ---------------------------


def reviews_awaiting_moderation():
    """Reviews with a report staff haven't resolved: the moderation queue (the admin's "Open reports" filter)."""
    from .models import Review

    return Review.objects.filter(reports__resolved_at__isnull=True).distinct()
