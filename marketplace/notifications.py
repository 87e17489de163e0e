"""In-app notifications: what apps tell a person (the bell in the header), and marking them read.

Apps call ``notify`` with a user, a short ``kind`` code, the text and a path on the site; the core stores
it after the caller's transaction commits, so a change that rolls back never leaves a notification behind
and a notification never holds the caller's locks. Reads go through ``notifications_for_user`` /
``notification_for_user``: a person only ever sees, and marks, their own (404 for anyone else's).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .accounts.models import User
from .emails import email_enqueue, render_email
from .models import Notification

TEXT_MAX = Notification._meta.get_field("text").max_length


def notify(*, user, kind: str, text: str, url: str = "") -> None:
    """Tell ``user`` (an account; ``None`` for a guest, who has no bell) after the current transaction commits."""
    if user is None or not getattr(user, "pk", None) or getattr(user, "erased_at", None):
        return  # a guest, or an erased account that no one can sign in to
    user_id = user.pk
    text = " ".join(text.split())
    if len(text) > TEXT_MAX:
        text = text[: TEXT_MAX - 1] + "…"

    def create():
        Notification.objects.create(user_id=user_id, kind=kind[:40], text=text, url=url[:500])

    # robust: the change it reports is committed; a failed notification is logged, never a 500 after the fact.
    transaction.on_commit(create, robust=True)


def notifications_for_user(*, user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_for_user(*, user, notification_id: int) -> Notification:
    """``user``'s own notification, or 404 (ids of other people's notifications are not confirmed)."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first() if user.is_authenticated else None
    if notification is None:
        raise Http404
    return notification


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read: those in ``ids``, or all of them. Others' ids are ignored.

    Returns how many changed; marking twice is harmless (the first read time is kept).
    """
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


# --- Email: the optional kinds ------------------------------------------------------------------
#
# Transactional mail (receipts, order updates, messages about an order, account security) is always
# sent and never looks at these preferences. The optional kinds, each behind a switch on the user
# (the account's "Email preferences" page):
#   - ``email_digest``: the daily digest below, unread notifications by email.
#   - ``email_news``: marketplace news and offers. Nothing sends it yet; whatever does must select its
#     recipients with ``users_wanting_email(kind="news")``.

OPTIONAL_EMAIL = {"digest": "email_digest", "news": "email_news"}
DIGEST_AFTER = timedelta(hours=12)  # a notification read on the site within this time is never emailed


def users_wanting_email(*, kind: str):
    """Active users who chose to receive the optional email ``kind`` (``digest`` or ``news``)."""
    return User.objects.filter(is_active=True, **{OPTIONAL_EMAIL[kind]: True})


def notifications_digest_send(*, now=None) -> int:
    """Email each user who wants the digest their unread notifications older than ``DIGEST_AFTER`` that no
    digest has included yet; each notification is emailed once. Returns how many emails were enqueued.

    Safe to run twice at once: each user's rows are locked (``skip_locked``) and marked in one transaction,
    so a concurrent run skips them, and a later run finds them marked.
    """
    now = now or timezone.now()
    due = Q(read_at__isnull=True, emailed_at__isnull=True, created_at__lte=now - DIGEST_AFTER)
    sent = 0
    user_ids = users_wanting_email(kind="digest").filter(pk__in=Notification.objects.filter(due).values("user"))
    for user in user_ids.order_by("pk").iterator():
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(due, user=user)
                .order_by("created_at", "pk")[:50]
            )
            if not rows:
                continue
            subject, text, html = render_email("email/notification_digest", {"user": user, "notifications": rows})
            email_enqueue(to=[user.email], subject=subject, text=text, html=html)
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=now)
            sent += 1
    return sent
