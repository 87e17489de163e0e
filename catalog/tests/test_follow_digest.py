"""The weekly "new from shops you follow" email: opt-in, once per ISO week whatever runs twice or races,
nothing when nothing is new, and an unsubscribe link that works signed out and can't be forged."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse

from catalog.models import FollowDigestSend, FollowDigestSubscription, Product, ShopFollow
from catalog.services.follow_digest import (
    follow_digest_send,
    follow_digest_send_all,
    follow_digest_unsubscribe_token,
    iso_week,
)
from catalog.tests.factories import ProductFactory

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # ISO week 2026-W49


@pytest.fixture
def subscriber(shopper, vendor_a):
    ShopFollow.objects.create(user=shopper, vendor=vendor_a)
    FollowDigestSubscription.objects.create(user=shopper)
    return shopper


def new_product(vendor, *, at, **kwargs):
    product = ProductFactory(vendor=vendor, **kwargs)
    Product.objects.filter(pk=product.pk).update(created_at=at)
    return product


def unsubscribe_path(user) -> str:
    return reverse("shopper_lists:digest_unsubscribe", args=[follow_digest_unsubscribe_token(user=user)])


def test_iso_weeks_are_named_the_iso_way():
    assert iso_week(MONDAY) == "2026-W49"
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"  # a Friday in 2026's last ISO week


@pytest.mark.django_db
def test_a_subscriber_gets_new_work_once_a_week_with_one_click_unsubscribe_headers(
    subscriber, vendor_a, vendor_b, django_capture_on_commit_callbacks
):
    new_product(vendor_a, at=MONDAY - timedelta(days=2), title="Fresh jug")
    new_product(vendor_a, at=MONDAY - timedelta(days=9), title="Old jug")  # before the week looked back on
    new_product(vendor_b, at=MONDAY - timedelta(days=1), title="Not followed")
    new_product(vendor_a, at=MONDAY - timedelta(days=1), title="Draft jug", status=Product.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_digest_send_all(now=MONDAY) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [subscriber.email]
    assert "Fresh jug" in message.body and "Old jug" not in message.body
    assert "Not followed" not in message.body and "Draft jug" not in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and unsubscribe_path(subscriber) in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body
    # The same week again (beat twice, a retried task): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_digest_send_all(now=MONDAY + timedelta(days=3)) == 0
        assert follow_digest_send(user_id=subscriber.pk, now=MONDAY + timedelta(hours=1)) is False
    assert len(mail.outbox) == 1
    assert FollowDigestSend.objects.get().created_at == MONDAY  # what the next digest counts from
    # Next week only what is new since this one.
    new_product(vendor_a, at=MONDAY + timedelta(days=4), title="Later bowl")
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_digest_send_all(now=MONDAY + timedelta(days=7)) == 1
    assert "Later bowl" in mail.outbox[1].body and "Fresh jug" not in mail.outbox[1].body
    assert list(FollowDigestSend.objects.values_list("week", flat=True).order_by("week")) == ["2026-W49", "2026-W50"]


@pytest.mark.django_db
def test_nothing_is_sent_or_claimed_when_nothing_is_new(subscriber, vendor_a, django_capture_on_commit_callbacks):
    new_product(vendor_a, at=MONDAY - timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_digest_send_all(now=MONDAY) == 0
    assert mail.outbox == [] and not FollowDigestSend.objects.exists()


@pytest.mark.django_db
def test_only_subscribers_get_it(shopper, vendor_a, django_capture_on_commit_callbacks):
    ShopFollow.objects.create(user=shopper, vendor=vendor_a)  # follows, but never opted in
    new_product(vendor_a, at=MONDAY - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_digest_send_all(now=MONDAY) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_beat_task_runs_the_service(subscriber, vendor_a, django_capture_on_commit_callbacks):
    from catalog.tasks import send_follow_digests

    new_product(vendor_a, at=datetime.now(UTC) - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_follow_digests.apply().get() == 1
        assert send_follow_digests.apply().get() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_job_is_registered_with_beat(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "catalog.tasks.send_follow_digests"]
    assert len(entries) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_one_digest(shopper, vendor_a):
    from marketplace.tests.concurrency import run_at_once

    ShopFollow.objects.create(user=shopper, vendor=vendor_a)
    FollowDigestSubscription.objects.create(user=shopper)
    new_product(vendor_a, at=MONDAY - timedelta(days=1))
    outcomes = run_at_once(lambda: follow_digest_send_all(now=MONDAY), times=4)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(outcomes) == [0, 0, 0, 1]
    assert len(mail.outbox) == 1
    assert FollowDigestSend.objects.filter(user=shopper, week="2026-W49").count() == 1


# --- Unsubscribing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_link_works_signed_out_get_confirms_and_post_unsubscribes(client, subscriber):
    path = unsubscribe_path(subscriber)
    response = client.get(path)
    assert response.status_code == 200 and "Stop the weekly email?" in response.content.decode()
    assert FollowDigestSubscription.objects.filter(user=subscriber).exists()  # a GET (a link scanner) changes nothing
    response = client.post(path)
    assert response.status_code == 200 and "Unsubscribed" in response.content.decode()
    assert not FollowDigestSubscription.objects.exists()
    assert client.post(path).status_code == 200  # again: still fine


@pytest.mark.django_db
def test_one_click_post_from_a_mail_client_needs_no_csrf_token(subscriber):
    from django.test import Client

    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        unsubscribe_path(subscriber), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not FollowDigestSubscription.objects.exists()


@pytest.mark.django_db
def test_tampered_forged_or_foreign_tokens_are_refused(client, subscriber, other_shopper):
    FollowDigestSubscription.objects.create(user=other_shopper)
    token = follow_digest_unsubscribe_token(user=subscriber)
    value, _, signature = token.rpartition(":")
    forged_for_other = signing.Signer(salt="some.other.use").sign_object({"u": other_shopper.pk}, compress=True)
    bad_tokens = [
        value + ":" + ("A" if signature[0] != "A" else "B") + signature[1:],  # signature altered
        token.replace(token[1], "x" if token[1] != "x" else "y", 1),  # payload altered
        forged_for_other,  # signed with our key, but for another purpose
        "nonsense",
        signing.dumps({"u": other_shopper.pk}),  # the default salt
    ]
    for bad in bad_tokens:
        path = reverse("shopper_lists:digest_unsubscribe", args=[bad])
        assert client.get(path).status_code == 404, bad
        assert client.post(path).status_code == 404, bad
    assert FollowDigestSubscription.objects.count() == 2
    # A real token unsubscribes its own account and nobody else's.
    client.post(unsubscribe_path(subscriber))
    assert list(FollowDigestSubscription.objects.values_list("user", flat=True)) == [other_shopper.pk]
