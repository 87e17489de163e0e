"""Disputes (``charge.dispute.*``): recorded as Stripe reports them, shops and staff told once per change,
a lost dispute taken back from the shops like a refund, once. The payment is made on localstripe; the
dispute (which localstripe can't make) is read from a stub HTTP client under the real stripe-python."""

from decimal import Decimal

import pytest
from django.core import mail

from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay, deliver, event
from marketplace.payments_gateway import PaymentsGateway
from orders.ledger import shop_balance
from orders.models import Dispute, LedgerEntry, Order, OrderRefund
from vendors.tests.test_connect_gateway import StubStripeHTTP, stub_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(placed_checkout, staff):
    card_pay(placed_checkout)
    checkout = checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    for order in checkout.orders.all():
        order_transfer(order_id=order.pk)
    return checkout


@pytest.fixture
def stripe_disputes(monkeypatch):
    http = StubStripeHTTP()
    monkeypatch.setattr("marketplace.payments_gateway.stripe_client", lambda **kwargs: stub_client(http))
    return http


def dispute_json(checkout, *, status: str, amount: int | None = None, dispute_id="du_1") -> dict:
    return {
        "id": dispute_id, "object": "dispute", "amount": amount or int(checkout.total * 100), "currency": "usd",
        "status": status, "reason": "fraudulent", "charge": checkout.charge_id,
        "payment_intent": checkout.payment_intent_id, "balance_transactions": [], "is_charge_refundable": False,
        "livemode": False, "metadata": {},
    }  # fmt: skip


def _dispute_event(kind, event_id):
    return event(kind, {"id": "du_1", "object": "dispute", "status": "stale payload, re-read from Stripe"}, event_id)


def test_dispute_retrieve_reads_the_dispute(paid, stripe_disputes):
    stripe_disputes.respond("GET", "/v1/disputes/du_1", dispute_json(paid, status="needs_response", amount=1234))
    dispute = PaymentsGateway().dispute_retrieve("du_1")
    assert (dispute.id, dispute.amount(), dispute.status, dispute.reason) == (
        "du_1", Decimal("12.34"), "needs_response", "fraudulent",
    )  # fmt: skip
    assert (dispute.charge_id, dispute.intent_id) == (paid.charge_id, paid.payment_intent_id)
    [sent] = stripe_disputes.sent
    assert (sent.method, sent.path, sent.form) == ("GET", "/v1/disputes/du_1", {})


def test_a_dispute_is_shown_and_told_then_a_lost_one_is_taken_from_the_shops_once(
    client, paid, stripe_disputes, vendor_a, vendor_b, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    stripe_disputes.respond("GET", "/v1/disputes/du_1", dispute_json(paid, status="needs_response"))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, _dispute_event("charge.dispute.created", "evt_d1")).status_code == 200
        assert deliver(client, _dispute_event("charge.dispute.updated", "evt_d2")).status_code == 200  # no change
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.amount, dispute.checkout_id) == ("needs_response", paid.total, paid.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "ben@example.com", "staff@example.com"]
    mug = Order.objects.get(checkout=paid, vendor=vendor_a)
    client.force_login(vendor_a.owner)
    assert "Disputed:" in client.get(f"/shops/dashboard/orders/{mug.number}/").content.decode()
    assert not OrderRefund.objects.exists()

    mail.outbox.clear()
    stripe_disputes.respond("GET", "/v1/disputes/du_1", dispute_json(paid, status="lost"))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, _dispute_event("charge.dispute.closed", "evt_d3")).status_code == 200
        assert deliver(client, _dispute_event("charge.dispute.updated", "evt_d4")).status_code == 200

    parts = list(OrderRefund.objects.order_by("order_id"))
    assert [p.amount for p in parts] == [o.total for o in paid.orders.order_by("pk")]  # all of it was disputed
    assert all(p.dispute == Dispute.objects.get() and p.reversal_status == "reversed" for p in parts)
    assert LedgerEntry.objects.filter(kind="dispute").count() == 2
    assert set(paid.orders.values_list("status", flat=True)) == {"refunded"}
    assert {m.to[0] for m in mail.outbox} == {"ana@example.com", "ben@example.com", "staff@example.com"}
    assert "Dispute lost" in mail.outbox[0].subject
    # The shops paid their part back by reversal; what is left owed is their share of the card fee.
    for shop in (vendor_a, vendor_b):
        order = paid.orders.get(vendor=shop)
        assert shop_balance(vendor=shop) == -order.processing_fee_share
    client.force_login(vendor_a.owner)
    assert "Disputed:" not in client.get(f"/shops/dashboard/orders/{mug.number}/").content.decode()


def test_a_won_dispute_takes_nothing(client, paid, stripe_disputes):
    stripe_disputes.respond("GET", "/v1/disputes/du_1", dispute_json(paid, status="won"))
    assert deliver(client, _dispute_event("charge.dispute.closed", "evt_d1")).status_code == 200
    assert Dispute.objects.get().closed_at and not OrderRefund.objects.exists()
    assert set(paid.orders.values_list("status", flat=True)) == {"paid"}


def test_a_dispute_of_a_charge_that_isnt_ours_is_acknowledged(client, paid, stripe_disputes):
    body = dispute_json(paid, status="needs_response")
    stripe_disputes.respond("GET", "/v1/disputes/du_1", {**body, "charge": "ch_other", "payment_intent": "pi_other"})
    assert deliver(client, _dispute_event("charge.dispute.created", "evt_d1")).status_code == 200
    assert not Dispute.objects.exists()
