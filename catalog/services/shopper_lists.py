"""A shopper's own lists: favourite products, followed shops, recently viewed products.

Every write is keyed by the signed-in user, so nobody can reach another person's rows; reads are in
``catalog.selectors`` (the ``favourite_``/``follow_``/``recently_viewed_`` functions).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from catalog.models import Favourite, Product, RecentlyViewed, ShopFollow

RECENTLY_VIEWED_MAX = 20
# Set when a guest hearts a product: made a favourite once they sign in (``shopper_lists_on_sign_in``).
PENDING_FAVOURITE_SESSION_KEY = "pending_favourite"


def favourite_add(*, user, product: Product) -> tuple[Favourite, bool]:
    """Heart ``product`` for ``user``; ``(row, created)``. Twice is the same row, concurrently too.

    Precondition: the caller has checked the product is visible (``selectors.product_get_for_favourite``).
    """
    # get_or_create inserts in a savepoint and reads the winner's row when the unique constraint refuses
    # a concurrent duplicate, so a double click never becomes a 500.
    return Favourite.objects.get_or_create(user=user, product=product)


def favourite_remove(*, user, product_id: int) -> bool:
    """Un-heart; ``True`` if there was a favourite to remove (removing twice is harmless)."""
    deleted, _ = Favourite.objects.filter(user=user, product_id=product_id).delete()
    return bool(deleted)


def shop_follow_add(*, user, vendor) -> tuple[ShopFollow, bool]:
    """Follow ``vendor`` (the caller has checked shoppers may see it); following twice is the same row."""
    return ShopFollow.objects.get_or_create(user=user, vendor=vendor)


def shop_follow_remove(*, user, vendor_id: int) -> bool:
    deleted, _ = ShopFollow.objects.filter(user=user, vendor_id=vendor_id).delete()
    return bool(deleted)


def recently_viewed_record(*, user, product_id: int) -> None:
    """Put ``product_id`` first in the account's recently viewed (guests: ``catalog.recently_viewed``)."""
    _recently_viewed_store(user=user, product_ids=[product_id], now=timezone.now())


def _recently_viewed_store(*, user, product_ids: list[int], now) -> None:
    """Upsert ``product_ids`` (newest first) as viewed at ``now``, then keep only the newest ``RECENTLY_VIEWED_MAX``."""
    rows = [
        # A microsecond apart, so the order within one call survives in viewed_at.
        RecentlyViewed(user=user, product_id=pk, viewed_at=now - timedelta(microseconds=i))
        for i, pk in enumerate(product_ids[:RECENTLY_VIEWED_MAX])
    ]
    with transaction.atomic():
        RecentlyViewed.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "product"], update_fields=["viewed_at"]
        )
        keep = RecentlyViewed.objects.filter(user=user).order_by("-viewed_at", "-id").values("pk")
        RecentlyViewed.objects.filter(user=user).exclude(pk__in=keep[:RECENTLY_VIEWED_MAX]).delete()


def shopper_lists_on_sign_in(*, user, session, guest_viewed: list[int]) -> Product | None:
    """At sign-in: the guest's recently viewed (newest first) join the account's, and a heart clicked while
    signed out is made a favourite. Returns that product (for a message), if one was made."""
    if guest_viewed:
        existing = set(Product.objects.filter(pk__in=guest_viewed).values_list("pk", flat=True))
        _recently_viewed_store(user=user, product_ids=[pk for pk in guest_viewed if pk in existing], now=timezone.now())
    pending = session.pop(PENDING_FAVOURITE_SESSION_KEY, None)
    if not isinstance(pending, int):
        return None
    product = Product.objects.visible().select_related("vendor").filter(pk=pending).first()
    if product is None:  # hidden or gone while they signed in
        return None
    favourite_add(user=user, product=product)
    return product
