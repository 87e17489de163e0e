"""In-app notifications: what apps tell a person (the bell in the header), and marking them read.

Apps call ``notify`` with a user, a short ``kind`` code, the text and a path on the site; the core stores
it after the caller's transaction commits, so a change that rolls back never leaves a notification behind
and a notification never holds the caller's locks. Reads go through ``notifications_for_user`` /
``notification_for_user``: a person only ever sees, and marks, their own (404 for anyone else's).
"""

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .models import Notification

TEXT_MAX = Notification._meta.get_field("text").max_length


def notify(*, user, kind: str, text: str, url: str = "") -> None:
    """Tell ``user`` (an account; ``None`` for a guest, who has no bell) after the current transaction commits."""
    if user is None or not getattr(user, "pk", None):
        return
    user_id = user.pk
    text = " ".join(text.split())
    if len(text) > TEXT_MAX:
        text = text[: TEXT_MAX - 1] + "…"

    def create():
        Notification.objects.create(user_id=user_id, kind=kind[:40], text=text, url=url[:500])

    transaction.on_commit(create)


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
