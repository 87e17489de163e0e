"""What follows a payment (each shop's transfer, the receipt, each shop's email) happens once, whatever fails."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from kombu.exceptions import OperationalError

from checkout import tasks
from checkout.models import Checkout, PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay, deliver, event
from marketplace.models import StripeEvent
from orders.models import Order

pytestmark = pytest.mark.django_db


class FlakyMailBackend(EmailBackend):
    """The mail provider drops the connection on the first message to each address in ``fail_once``."""

    fail_once: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                if address in self.fail_once:
                    self.fail_once.discard(address)
                    raise ConnectionResetError(f"provider hung up sending to {address}")
        return super().send_messages(messages)


def _broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_broker_down_during_the_webhook_loses_nothing(
    client, placed_checkout, monkeypatch, django_capture_on_commit_callbacks
):
    card_pay(placed_checkout)
    monkeypatch.setattr(tasks.after_payment, "delay", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event("payment_intent.succeeded", {"id": placed_checkout.payment_intent_id}))
    # The payment is recorded and the event processed, though nothing could be enqueued.
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id="evt_1").processed_at is not None
    assert Checkout.objects.get(pk=placed_checkout.pk).status == "paid"
    assert not Order.objects.filter(checkout=placed_checkout).exclude(transfer_id="").exists()
    assert mail.outbox == []
    # A replay doesn't help (already processed) and must not hurt.
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event("payment_intent.succeeded", {"id": placed_checkout.payment_intent_id}))

    # The broker is back; beat runs the periodic job (twice, as it would, a minute apart).
    monkeypatch.undo()
    later = timezone.now() + timedelta(minutes=10)
    tasks.run_due_followups.apply(kwargs={"now": later.isoformat()})
    tasks.run_due_followups.apply(kwargs={"now": (later + timedelta(minutes=1)).isoformat()})

    orders = list(Order.objects.filter(checkout=placed_checkout))
    assert all(order.transfer_id.startswith("tr_sim_") for order in orders)
    assert PaymentRecord.objects.filter(checkout=placed_checkout, kind="transfer").count() == 2
    assert _recipients() == sorted([placed_checkout.email, "ana@example.com", "ben@example.com"])


def test_the_periodic_job_leaves_work_alone_while_its_task_may_still_run(placed_checkout, monkeypatch):
    card_pay(placed_checkout)
    monkeypatch.setattr(tasks.after_payment, "delay", _broker_down)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    from checkout.followups import followups_run_due

    assert followups_run_due(now=timezone.now()) == 0  # the normal path gets its grace period first
    assert mail.outbox == []


def test_an_email_task_retried_after_a_partial_send_sends_no_duplicate(placed_checkout, settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyMailBackend"}}
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)  # on-commit work not run here
    # The shopper's receipt goes out, then the provider hangs up on the second shop: the task retries.
    FlakyMailBackend.fail_once = {"ben@example.com"}
    with pytest.raises(Retry):  # eager tasks surface the retry instead of re-running (EAGER_PROPAGATES)
        tasks.send_receipts.apply(args=[placed_checkout.pk])
    assert _recipients() == sorted([placed_checkout.email, "ana@example.com"])
    tasks.send_receipts.apply(args=[placed_checkout.pk], retries=1)  # the retry
    assert _recipients() == sorted([placed_checkout.email, "ana@example.com", "ben@example.com"])
    # And once more, as a duplicate delivery of the task would: nothing new.
    tasks.send_receipts.apply(args=[placed_checkout.pk])
    assert len(mail.outbox) == 3


def test_a_transfer_that_fails_for_good_is_audited_and_logged(placed_checkout, caplog, settings):
    from checkout.followups import followups_run_due
    from checkout.models import FollowUp

    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    # Real Connect calls, to a Stripe that has no transfers endpoint (localstripe): every try fails.
    settings.STRIPE_CONNECT_SIMULATED = False
    at = timezone.now() + timedelta(minutes=10)
    for _ in range(8):  # the periodic job, each time the backoff has passed
        followups_run_due(now=at)
        at += timedelta(hours=2)
    orders = list(Order.objects.filter(checkout=placed_checkout).order_by("pk"))
    assert [order.transfer_id for order in orders] == ["", ""]
    failed = PaymentRecord.objects.filter(kind="transfer_failed").order_by("pk")
    assert [row.detail.split(":")[0] for row in failed] == [f"order {order.pk}" for order in orders]
    assert set(FollowUp.objects.filter(kind="transfer").values_list("status", flat=True)) == {"failed"}
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert all(any(f"order {order.pk}" in e.lower() for e in errors) for order in orders)
    # Later runs don't repeat the failure rows, and the emails went out regardless.
    followups_run_due(now=at + timedelta(hours=3))
    assert PaymentRecord.objects.filter(kind="transfer_failed").count() == 2
    assert len(mail.outbox) == 3


def test_a_retryable_transfer_failure_waits_and_then_succeeds(placed_checkout, monkeypatch):
    from checkout.followups import followups_run_due
    from checkout.gateway import PaymentsGateway
    from checkout.models import FollowUp

    card_pay(placed_checkout)
    monkeypatch.setattr(PaymentsGateway, "charge_fee", lambda self, charge_id: None)  # Stripe hasn't settled it yet
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    soon = timezone.now() + timedelta(minutes=10)
    followups_run_due(now=soon)
    rows = FollowUp.objects.filter(checkout=placed_checkout, kind="transfer")
    assert {(row.status, row.attempts) for row in rows} == {("pending", 1)}
    assert all(row.next_attempt_at > soon for row in rows)
    monkeypatch.undo()
    followups_run_due(now=soon + timedelta(hours=2))
    assert {row.status for row in rows.all()} == {"done"}
    assert not PaymentRecord.objects.filter(kind="transfer_failed").exists()


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_do_each_follow_up_once(placed_checkout, monkeypatch):
    """Beat firing while a slow run is still going, or two schedulers by mistake: rows are claimed under lock."""
    from checkout.followups import followups_run_due
    from marketplace.tests.concurrency import run_at_once

    card_pay(placed_checkout)
    monkeypatch.setattr(tasks.after_payment, "delay", _broker_down)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    later = timezone.now() + timedelta(minutes=10)
    assert not [o for o in run_at_once(lambda: followups_run_due(now=later), times=4) if isinstance(o, Exception)]
    assert _recipients() == sorted([placed_checkout.email, "ana@example.com", "ben@example.com"])
    assert PaymentRecord.objects.filter(checkout=placed_checkout, kind="transfer").count() == 2
