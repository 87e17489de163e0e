"""Refunds made at Stripe (dashboard or API) land in the payment audit log exactly: one row per refund id."""

import threading
import time
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.test import Client

from checkout.models import PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay, deliver, event
from marketplace.stripe_client import stripe_client


@pytest.fixture
def paid_charge(placed_checkout):
    card_pay(placed_checkout)
    checkout = checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    assert checkout.status == "paid" and checkout.charge_id
    return checkout


def _refund(charge_id: str, amount_minor: int) -> str:
    return stripe_client().v1.refunds.create(params={"charge": charge_id, "amount": amount_minor}).id


def _charge_refunded(charge_id: str, event_id: str) -> dict:
    # As current API versions send it: the charge without its list of refunds.
    charge = stripe_client().v1.charges.retrieve(charge_id).to_dict()
    charge.pop("refunds", None)
    return event("charge.refunded", charge, event_id)


@pytest.mark.django_db
def test_two_partial_refunds_are_two_rows(client, paid_charge):
    first = _refund(paid_charge.charge_id, 1000)
    assert deliver(client, _charge_refunded(paid_charge.charge_id, "evt_r1")).status_code == 200
    second = _refund(paid_charge.charge_id, 500)
    assert deliver(client, _charge_refunded(paid_charge.charge_id, "evt_r2")).status_code == 200
    rows = dict(PaymentRecord.objects.filter(kind="refund").values_list("stripe_id", "amount"))
    assert rows == {first: Decimal("10.00"), second: Decimal("5.00")}
    assert set(PaymentRecord.objects.filter(kind="refund").values_list("checkout_id", flat=True)) == {paid_charge.pk}


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_deliveries_record_each_refund_once(paid_charge):
    refunds = {_refund(paid_charge.charge_id, 1000), _refund(paid_charge.charge_id, 700)}
    events = [_charge_refunded(paid_charge.charge_id, f"evt_c{n}") for n in range(8)]
    start = threading.Barrier(len(events))
    answers = []

    def receive(one: dict):
        try:
            start.wait()
            answers.append(deliver(Client(), one).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(one,)) for one in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 8
    rows = list(PaymentRecord.objects.filter(kind="refund").values_list("stripe_id", "amount"))
    assert sorted(stripe_id for stripe_id, _ in rows) == sorted(refunds)  # each once, none missing
    assert sorted(amount for _, amount in rows) == [Decimal("7.00"), Decimal("10.00")]


@pytest.mark.django_db
def test_a_refund_that_fails_later_is_recorded_as_failed_once(client, paid_charge, localstripe):
    refund_id = _refund(paid_charge.charge_id, 1000)
    deliver(client, _charge_refunded(paid_charge.charge_id, "evt_r1"))
    # The bank returns the money (localstripe's stand-in: set the refund's status, as Stripe would report it).
    assert requests.post(
        f"{localstripe.url}/v1/refunds/{refund_id}",
        data={"status": "failed"},
        auth=("sk_test_localstripe", ""),
        timeout=5,
    ).ok
    refund = stripe_client().v1.refunds.retrieve(refund_id).to_dict()
    for event_id in ("evt_u1", "evt_u2"):  # and Stripe sends it twice
        assert deliver(client, event("charge.refund.updated", refund, event_id)).status_code == 200
    failed = PaymentRecord.objects.get(kind="refund_failed")
    assert (failed.stripe_id, failed.amount, failed.checkout_id) == (refund_id, Decimal("10.00"), paid_charge.pk)
    assert PaymentRecord.objects.filter(kind="refund", stripe_id=refund_id).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_row_for_one_refund(paid_charge):
    from django.db import IntegrityError, transaction

    PaymentRecord.objects.create(checkout=paid_charge, kind="refund", stripe_id="re_same", amount=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRecord.objects.create(checkout=paid_charge, kind="refund", stripe_id="re_same", amount=Decimal("1.00"))
    # Other kinds may repeat an id (a failed attempt on one intent, several times).
    PaymentRecord.objects.create(checkout=paid_charge, kind="failed", stripe_id="pi_x")
    PaymentRecord.objects.create(checkout=paid_charge, kind="failed", stripe_id="pi_x")


@pytest.mark.django_db
def test_refund_events_about_charges_that_are_not_ours_are_acknowledged(client, localstripe, webhook_secret, caplog):
    # Paid through the same Stripe account by something other than this marketplace (no checkout of ours).
    client_ = stripe_client()
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    pm = client_.v1.payment_methods.create(params={"type": "card", "card": card})
    intent = client_.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method": pm.id})
    client_.v1.payment_intents.confirm(intent.id)
    for _ in range(50):
        intent = client_.v1.payment_intents.retrieve(intent.id)
        if intent.status == "succeeded":
            break
        time.sleep(0.1)
    latest = intent.latest_charge  # localstripe expands it; Stripe sends the id
    charged = client_.v1.charges.retrieve(latest if isinstance(latest, str) else latest.id)
    refund = client_.v1.refunds.create(params={"charge": charged.id})
    assert deliver(client, event("charge.refunded", {"id": charged.id}, "evt_x1")).status_code == 200
    assert deliver(client, event("charge.refund.updated", {"id": refund.id}, "evt_x2")).status_code == 200
    assert deliver(client, event("charge.refund.updated", {"id": "re_unknown"}, "evt_x3")).status_code == 200
    assert not PaymentRecord.objects.exists()
    assert charged.id in caplog.text and refund.id in caplog.text
