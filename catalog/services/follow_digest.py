"""The weekly "new from shops you follow" email: opt-in, at most once per ISO week per person, never empty,
with an unsubscribe link that works without signing in (signed, RFC 8058 one-click)."""

from datetime import UTC, timedelta

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog import selectors
from catalog.models import FollowDigestSend, FollowDigestSubscription
from marketplace.accounts.models import User
from marketplace.emails import absolute_url, email_enqueue, render_email

DIGEST_MAX_PRODUCTS = 12
DIGEST_LOOKBACK = timedelta(days=7)
# Its own salt: a token signed for anything else (order links…) is refused here, and this one there.
UNSUBSCRIBE_SALT = "catalog.follow-digest.unsubscribe"


def iso_week(moment) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def follow_digest_subscribed(*, user) -> bool:
    return FollowDigestSubscription.objects.filter(user=user).exists()


def follow_digest_subscribe(*, user) -> None:
    FollowDigestSubscription.objects.get_or_create(user=user)


def follow_digest_unsubscribe(*, user) -> None:
    """Idempotent: unsubscribing twice (a one-click POST, then the page's button) is fine."""
    FollowDigestSubscription.objects.filter(user=user).delete()


def follow_digest_unsubscribe_token(*, user) -> str:
    # Signer, not dumps(): no timestamp, so every digest carries the same link for the same person.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk}, compress=True)


def follow_digest_user_for_token(token: str) -> User | None:
    """The account an unsubscribe token was made for; ``None`` for a forged, altered or foreign token.

    No expiry: an unsubscribe link in an old email must still work (RFC 8058 asks for that too).
    """
    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id).first()


def follow_digest_send_all(*, now=None) -> int:
    """Beat's entry point: a digest to each subscriber not yet sent one this week. Returns how many were sent.

    Safe to run twice, at once, or again after a retry: ``follow_digest_send`` claims a unique row first.
    """
    now = now or timezone.now()
    week = iso_week(now)
    due = (
        User.objects.filter(is_active=True, follow_digest__isnull=False, shop_follows__isnull=False)
        .exclude(pk__in=FollowDigestSend.objects.filter(week=week).values("user"))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(follow_digest_send(user_id=pk, now=now) for pk in due.iterator())


def follow_digest_send(*, user_id: int, now=None) -> bool:
    """Email ``user_id`` what the shops they follow listed since their last digest (a week at most).

    Nothing when they have unsubscribed, there is nothing new, or this ISO week's digest is already
    claimed. The (user, week) row is inserted in the same transaction that enqueues the email (sent on
    commit): two runs racing block on the unique index, and the loser finds the row and sends nothing.
    """
    now = now or timezone.now()
    week = iso_week(now)
    user = User.objects.filter(pk=user_id, is_active=True, follow_digest__isnull=False).first()
    if user is None or FollowDigestSend.objects.filter(user=user, week=week).exists():
        return False
    last = FollowDigestSend.objects.filter(user=user).order_by("-created_at").first()
    since = max(now - DIGEST_LOOKBACK, last.created_at) if last else now - DIGEST_LOOKBACK
    products = selectors.product_list_from_followed_shops(user=user, since=since, limit=DIGEST_MAX_PRODUCTS)
    if not products:
        return False
    with transaction.atomic():
        _, claimed = FollowDigestSend.objects.get_or_create(
            user=user, week=week, defaults={"product_count": len(products), "created_at": now}
        )
        if not claimed:
            return False
        unsubscribe = absolute_url(
            reverse("shopper_lists:digest_unsubscribe", args=[follow_digest_unsubscribe_token(user=user)])
        )
        subject, text, html = render_email(
            "catalog/email/follow_digest", {"user": user, "products": products, "unsubscribe_url": unsubscribe}
        )
        email_enqueue(
            to=[user.email],
            subject=subject,
            text=text,
            html=html,
            headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
    return True
