"""Periodic order chores: remind shops of paid orders past their processing time; take long-shipped
orders as delivered. Idempotent and safe to run twice at once: each order is claimed by a conditional
UPDATE (reminders) or moved through the transitions table under its row lock (delivery)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F
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
