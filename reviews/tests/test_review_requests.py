"""The review-request email: once per delivered order, REVIEW_REQUEST_DAYS after delivery, from Celery beat."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from orders.models import Order
from reviews.models import ReviewRequest
from reviews.services import review_create
from reviews.tasks import send_review_requests

from .conftest import shipped_order

pytestmark = pytest.mark.django_db


def test_beat_runs_the_task():
    assert django_settings.CELERY_BEAT_SCHEDULE["review-requests"]["task"] == "reviews.tasks.send_review_requests"


def test_sent_once_after_the_configured_days(settings, shopper, vendor_a, mailoutbox,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    settings.REVIEW_REQUEST_DAYS = 5
    order = shipped_order(user=shopper, vendor=vendor_a)
    mailoutbox.clear()
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_review_requests.delay().get() == 0
    assert mailoutbox == []
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=5, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_review_requests.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_review_requests.delay().get() == 0  # claimed: never twice
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [shopper.email]
    assert f"/reviews/write/{order.items.get().pk}/" in mailoutbox[0].body
    assert ReviewRequest.objects.get(order=order).sent_at is not None


def test_not_sent_when_everything_is_already_reviewed(settings, shopper, vendor_a, mailoutbox,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    settings.REVIEW_REQUEST_DAYS = 0
    order = shipped_order(user=shopper, vendor=vendor_a)
    review_create(author=shopper, order_item=order.items.get(), rating=5)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_review_requests.delay().get() == 0
    assert mailoutbox == []
