"""Periodic order chores: remind shops of paid orders past their processing time; take long-shipped
orders as delivered. Idempotent and safe to run twice at once: each order is claimed by a conditional
UPDATE (reminders) or moved through the transitions table under its row lock (delivery)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from marketplace.emails import email_enqueue, render_email

from .models import Order
from .services import IllegalTransition, order_mark_delivered

logger = logging.getLogger(__name__)
S = Order.Status


def orders_remind_unshipped(*, now=None) -> int:
    """One email per shop listing its paid orders older than its processing time, each order once."""
    now = now or timezone.now()
    overdue = (
        Order.objects.filter(status__in=(S.PAID, S.PROCESSING), shop_reminded_at__isnull=True)
        .annotate(age=ExpressionWrapper(now - F("paid_at"), output_field=DurationField()))
        .select_related("vendor__owner")
        .order_by("vendor_id", "pk")
    )
    by_shop: dict[int, list[Order]] = {}
    for order in overdue:
        if order.paid_at and order.age > timedelta(days=order.vendor.processing_days):
            by_shop.setdefault(order.vendor_id, []).append(order)
    reminded = 0
    for orders in by_shop.values():
        with transaction.atomic():
            claimed = [
                o for o in orders
                if Order.objects.filter(pk=o.pk, shop_reminded_at__isnull=True).update(shop_reminded_at=now) == 1
            ]  # fmt: skip
            if not claimed:
                continue
            vendor = claimed[0].vendor
            context = {"vendor": vendor, "orders": claimed, "site_url": settings.SITE_URL}
            subject, text, html = render_email("orders/email/unshipped_reminder", context)
            email_enqueue(to=[vendor.owner.email], subject=subject, text=text, html=html)
            reminded += len(claimed)
    return reminded


def orders_deliver_due(*, now=None) -> int:
    """Shipped orders older than ``ORDER_AUTO_DELIVER_DAYS`` are marked delivered (by nobody, noted)."""
    now = now or timezone.now()
    days = settings.ORDER_AUTO_DELIVER_DAYS
    due = Order.objects.filter(status=S.SHIPPED, shipped_at__lte=now - timedelta(days=days)).order_by("pk")
    delivered = 0
    for order in due:
        try:
            order_mark_delivered(order=order, by=None, note=f"taken as delivered {days} days after shipping")
            delivered += 1
        except IllegalTransition:  # another run (or the shop) got there first
            continue
    return delivered


# A staff member's nudge and the daily reminder share ``shop_reminded_at``: at most one per this gap.
NUDGE_GAP = timedelta(hours=1)


def order_shop_nudge(*, order_id: int, now=None) -> bool:
    """Email the shop about this one paid order past its processing time (a staff member's nudge).

    Claimed by a conditional UPDATE of ``shop_reminded_at``, so a double click, or the daily reminder
    running at the same moment, emails once; a nudge within ``NUDGE_GAP`` of the last sends nothing (False).
    The email goes after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = (
            Order.objects.filter(pk=order_id, status__in=(S.PAID, S.PROCESSING))
            .filter(Q(shop_reminded_at__isnull=True) | Q(shop_reminded_at__lt=now - NUDGE_GAP))
            .update(shop_reminded_at=now)
        )
        if not claimed:
            return False
        order = Order.objects.select_related("vendor__owner").get(pk=order_id)
        context = {"vendor": order.vendor, "orders": [order], "site_url": settings.SITE_URL}
        subject, text, html = render_email("orders/email/unshipped_reminder", context)
        email_enqueue(to=[order.vendor.owner.email], subject=subject, text=text, html=html)
    return True
