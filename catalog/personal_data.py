"""The catalogue's part of a person's data: favourites, followed shops, recently viewed, the digest choice.

Called by the account's data export and deletion (``export`` / ``erase``). Reviews are the reviews app's;
``keep_reviews`` is accepted so every app's contribution has the same signature, and changes nothing here.
"""

from django.db import transaction

from .models import Favourite, FollowDigestSend, FollowDigestSubscription, RecentlyViewed, ShopFollow


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def export(user) -> dict:
    """JSON-serialisable sections for ``user``'s data export."""
    favourites = Favourite.objects.filter(user=user).select_related("product").order_by("-created_at", "-id")
    follows = ShopFollow.objects.filter(user=user).select_related("vendor").order_by("-created_at", "-id")
    viewed = RecentlyViewed.objects.filter(user=user).select_related("product").order_by("-viewed_at", "-id")
    subscription = FollowDigestSubscription.objects.filter(user=user).first()
    return {
        "favourites": [
            {"product_id": f.product_id, "product_title": f.product.title, "created_at": _iso(f.created_at)}
            for f in favourites
        ],
        "follows": [
            {"shop_id": f.vendor_id, "shop_name": f.vendor.name, "created_at": _iso(f.created_at)} for f in follows
        ],
        "recently_viewed": [
            {"product_id": v.product_id, "product_title": v.product.title, "viewed_at": _iso(v.viewed_at)}
            for v in viewed
        ],
        "follow_digest": {
            "subscribed": subscription is not None,
            "subscribed_at": _iso(subscription.created_at) if subscription else None,
            "weeks_sent": list(
                FollowDigestSend.objects.filter(user=user).order_by("week").values_list("week", flat=True)
            ),
        },
    }


def erase(user, *, keep_reviews: bool) -> None:
    """Delete every catalogue row that is ``user``'s own (their products' rows belong to their shop, not here)."""
    del keep_reviews  # reviews are not the catalogue's
    with transaction.atomic():
        Favourite.objects.filter(user=user).delete()
        ShopFollow.objects.filter(user=user).delete()
        RecentlyViewed.objects.filter(user=user).delete()
        FollowDigestSubscription.objects.filter(user=user).delete()
        FollowDigestSend.objects.filter(user=user).delete()
