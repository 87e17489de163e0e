"""The development scheduler: the beat schedule's jobs run inline when there is no Redis (``make run``)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from marketplace.periodic import PeriodicScheduler

T0 = timezone.now()


class Calls:
    """Stands in for Celery's task registry: records what ran, when asked to run it."""

    def __init__(self):
        self.ran = []

    def __call__(self, task: str, args, kwargs):
        self.ran.append((task, tuple(args), dict(kwargs)))


def test_each_job_runs_at_start_then_every_interval():
    schedule = {
        "fast": {"task": "a.tasks.fast", "schedule": 60.0},
        "slow": {"task": "a.tasks.slow", "schedule": timedelta(hours=1), "args": (1,), "kwargs": {"x": 2}},
    }
    calls = Calls()
    scheduler = PeriodicScheduler(schedule, run=calls, start=T0)
    assert scheduler.run_due(T0) == ["fast", "slow"]  # both at start: stale reservations go at once
    assert calls.ran == [("a.tasks.fast", (), {}), ("a.tasks.slow", (1,), {"x": 2})]
    assert scheduler.run_due(T0 + timedelta(seconds=59)) == []
    assert scheduler.seconds_until_next(T0 + timedelta(seconds=59)) == pytest.approx(1)
    assert scheduler.run_due(T0 + timedelta(seconds=60)) == ["fast"]
    # A laptop that slept for hours runs each job once on waking, not once per missed minute.
    assert scheduler.run_due(T0 + timedelta(hours=5)) == ["fast", "slow"]
    assert scheduler.run_due(T0 + timedelta(hours=5, seconds=30)) == []


def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    def run(task, args, kwargs):
        if task == "a.tasks.broken":
            raise RuntimeError("boom")

    schedule = {"broken": {"task": "a.tasks.broken", "schedule": 60}, "fine": {"task": "a.tasks.fine", "schedule": 60}}
    scheduler = PeriodicScheduler(schedule, run=run, start=T0)
    assert scheduler.run_due(T0) == ["broken", "fine"]
    assert "boom" in caplog.text
    assert scheduler.run_due(T0 + timedelta(seconds=60)) == ["broken", "fine"]  # and is tried again next time


def test_a_schedule_it_cannot_keep_is_refused_at_start():
    from celery.schedules import crontab

    with pytest.raises(ImproperlyConfigured, match="nightly"):
        PeriodicScheduler({"nightly": {"task": "a.t", "schedule": crontab(hour=3)}}, run=Calls(), start=T0)


def test_the_project_schedule_names_only_real_tasks(settings):
    from marketplace.periodic import celery_task_runner

    run = celery_task_runner()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert run.knows(entry["task"]), entry["task"]


@pytest.mark.django_db
def test_run_periodic_once_expires_a_lapsed_checkout(shopper, vendor_a):
    from decimal import Decimal

    from catalog.models import Product
    from catalog.tests.factories import ProductFactory
    from checkout.models import Cart, Checkout
    from checkout.placement import Address, checkout_place
    from checkout.services import cart_add

    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=1)
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=mug)
    address = Address(name="S", line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")
    checkout = checkout_place(cart=cart, email=shopper.email, address=address, user=shopper)
    Checkout.objects.filter(pk=checkout.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    call_command("run_periodic", "--once")  # what `make run` keeps running without Redis

    assert Checkout.objects.get(pk=checkout.pk).status == "expired"
    assert Product.objects.get(pk=mug.pk).stock_quantity == 1
