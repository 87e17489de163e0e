"""Hourly order chores: reminders to shops (once per order) and delivery after N days (once), also when two
runs overlap."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.tests.concurrency import run_at_once
from orders.housekeeping import orders_deliver_due, orders_remind_unshipped
from orders.models import Order
from orders.services import order_mark_shipped

from .factories import paid_order


@pytest.mark.django_db
def test_a_shop_is_reminded_once_of_orders_past_its_processing_time(
    shopper, other_shopper, vendor_a, vendor_b, django_capture_on_commit_callbacks
):
    late = paid_order(user=shopper, vendor=vendor_a)
    fresh = paid_order(user=other_shopper, vendor=vendor_a)
    elsewhere = paid_order(user=shopper, vendor=vendor_b)
    days = vendor_a.processing_days
    Order.objects.filter(pk__in=[late.pk, elsewhere.pk]).update(paid_at=timezone.now() - timedelta(days=days + 1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_remind_unshipped() == 2
        assert orders_remind_unshipped() == 0  # once per order
    to_a = [m for m in mail.outbox if m.to == [vendor_a.owner.email]]
    assert len(to_a) == 1 and late.number in to_a[0].body and fresh.number not in to_a[0].body
    assert len([m for m in mail.outbox if m.to == [vendor_b.owner.email]]) == 1


@pytest.mark.django_db
def test_a_shipped_order_is_taken_as_delivered_after_the_configured_days(shopper, vendor_a, settings):
    settings.ORDER_AUTO_DELIVER_DAYS = 10
    order = paid_order(user=shopper, vendor=vendor_a)
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="DPD", tracking_number="1")
    assert orders_deliver_due(now=timezone.now() + timedelta(days=9)) == 0
    assert orders_deliver_due(now=timezone.now() + timedelta(days=11)) == 1
    order.refresh_from_db()
    assert order.status == "delivered"
    change = order.status_changes.last()
    assert change.by is None and "10 days" in change.note
    assert orders_deliver_due(now=timezone.now() + timedelta(days=12)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_deliver_and_remind_once(shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    other = paid_order(user=shopper, vendor=vendor_a)
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="DPD", tracking_number="1")
    Order.objects.filter(pk=other.pk).update(paid_at=timezone.now() - timedelta(days=30))
    later = timezone.now() + timedelta(days=30)
    results = run_at_once(lambda: (orders_deliver_due(now=later), orders_remind_unshipped(now=later)), times=2)
    assert sorted(r[0] for r in results) == [0, 1]
    assert sum(r[1] for r in results) == 1
    assert order.status_changes.filter(to_status="delivered").count() == 1
