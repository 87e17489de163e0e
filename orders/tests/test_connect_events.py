"""Connect's money news through the signed Connect webhook: a transfer reversed (by our refund, or by someone at
Stripe: then booked to the shop's ledger) and a failed payout are recorded for staff, never dropped."""

import json
import logging
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import WEBHOOK_SECRET, card_pay
from orders.ledger import shop_balance
from orders.models import ConnectIncident, LedgerEntry, Order
from orders.reconciliation import reconcile_day
from orders.refunds import order_refund
from vendors.connect import connect_gateway
from vendors.tests.test_payouts import _deliver as _deliver_signed
from vendors.tests.test_payouts import _signature

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _simulated(settings, webhook_secret):
    # checkout's ``webhook_secret`` fixture signs both endpoints with its secret.
    settings.STRIPE_CONNECT_SIMULATED = True


def _deliver(client, payload: bytes):
    return _deliver_signed(client, payload, _signature(payload, WEBHOOK_SECRET))


@pytest.fixture
def transferred(placed_checkout, vendor_a):
    """Kiln & Co's paid order, its money sent to the shop."""
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    order = Order.objects.get(checkout=placed_checkout, vendor=vendor_a)
    order_transfer(order_id=order.pk)
    order.refresh_from_db()
    assert order.transfer_id and shop_balance(vendor=vendor_a) == 0
    return order


def _errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "orders.connect_events" and r.levelno == logging.ERROR]


def _event(event_id: str, type_: str, obj: dict, account: str = "") -> bytes:
    event = {"id": event_id, "object": "event", "type": type_, "created": int(time.time()), "data": {"object": obj}}
    if account:
        event["account"] = account
    return json.dumps(event).encode()


def _reversed(transfer_id: str, event_id: str = "evt_1Qrev") -> bytes:
    return _event(event_id, "transfer.reversed", {"id": transfer_id, "object": "transfer", "reversed": False})


def test_a_reversal_made_at_stripe_goes_into_the_shops_ledger_once(client, transferred, vendor_a, caplog):
    # Someone reverses 5.00 of the transfer in Stripe's dashboard: no refund here knows of it.
    reversal_id = connect_gateway().transfer_reversal_create(
        transfer_id=transferred.transfer_id, amount_minor=500, idempotency_key="dashboard"
    )

    with caplog.at_level(logging.ERROR):
        first = _deliver(client, _reversed(transferred.transfer_id))
        again = _deliver(client, _reversed(transferred.transfer_id, event_id="evt_1Qrev2"))  # another delivery

    assert (first.status_code, again.status_code) == (200, 200), first.content
    entry = LedgerEntry.objects.get(kind="transfer_reversal")
    assert (entry.stripe_id, entry.amount, entry.order, entry.refund) == (
        reversal_id,
        Decimal("5.00"),
        transferred,
        None,
    )
    # The shop was paid 5.00 less than its due: the platform owes it that again.
    assert shop_balance(vendor=vendor_a) == Decimal("5.00")
    incident = ConnectIncident.objects.get(stripe_event_id="evt_1Qrev")
    assert (incident.kind, incident.stripe_id, incident.order, incident.booked, incident.amount) == (
        "transfer_reversed", transferred.transfer_id, transferred, True, Decimal("5.00"),
    )  # fmt: skip
    assert ConnectIncident.objects.get(stripe_event_id="evt_1Qrev2").booked is False
    assert reconcile_day(day=timezone.localdate()) == []  # the ledger agrees with Stripe again
    assert [transferred.number in r.getMessage() for r in _errors(caplog)] == [True]


def test_our_own_refunds_reversal_is_recorded_not_booked_twice(client, transferred, vendor_a, caplog):
    refund = order_refund(order=transferred, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    assert refund.reversal_status == "reversed"
    balance = shop_balance(vendor=vendor_a)

    with caplog.at_level(logging.ERROR):
        assert _deliver(client, _reversed(transferred.transfer_id)).status_code == 200

    assert LedgerEntry.objects.filter(kind="transfer_reversal").count() == 1
    assert shop_balance(vendor=vendor_a) == balance
    incident = ConnectIncident.objects.get()
    assert (incident.booked, incident.detail) == (False, "our own refund's reversal")
    assert not _errors(caplog)


def test_a_reversal_of_a_transfer_not_ours_is_recorded(client, transferred, caplog):
    with caplog.at_level(logging.ERROR):
        assert _deliver(client, _reversed("tr_1Qsomeoneelse")).status_code == 200

    incident = ConnectIncident.objects.get()
    assert (incident.stripe_id, incident.order, incident.booked) == ("tr_1Qsomeoneelse", None, False)
    assert not LedgerEntry.objects.filter(kind="transfer_reversal").exists()
    assert len(_errors(caplog)) == 1


def test_a_failed_payout_is_recorded_for_staff(client, vendor_a, staff, caplog):
    payout = {
        "id": "po_1Qfail", "object": "payout", "amount": 4210, "currency": "usd", "status": "failed",
        "failure_code": "account_closed", "failure_message": "The bank account has been closed.",
    }  # fmt: skip

    with caplog.at_level(logging.ERROR):
        response = _deliver(client, _event("evt_1Qpo", "payout.failed", payout, vendor_a.stripe_account_id))

    assert response.status_code == 200
    incident = ConnectIncident.objects.get()
    assert (incident.kind, incident.stripe_id, incident.vendor, incident.amount, incident.currency) == (
        "payout_failed", "po_1Qfail", vendor_a, Decimal("42.10"), "USD",
    )  # fmt: skip
    assert incident.detail == "account_closed: The bank account has been closed."
    assert ["po_1Qfail" in r.getMessage() for r in _errors(caplog)] == [True]

    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    page = client.get("/staff/orders/connectincident/", {"kind__exact": "payout_failed"})
    assert page.status_code == 200 and "po_1Qfail" in page.content.decode()
    assert client.get(f"/staff/orders/connectincident/{incident.pk}/delete/").status_code == 403


def test_a_reversal_reported_on_the_payments_endpoint_is_booked_the_same_way(client, transferred, vendor_a):
    """Transfers are the platform's own objects: Stripe sends their events to the account endpoint too."""
    from checkout.tests.conftest import deliver, event

    connect_gateway().transfer_reversal_create(transfer_id=transferred.transfer_id, amount_minor=300,
                                               idempotency_key="dashboard")  # fmt: skip
    obj = {"id": transferred.transfer_id, "object": "transfer"}
    assert deliver(client, event("transfer.reversed", obj, event_id="evt_1Qacct")).status_code == 200
    assert shop_balance(vendor=vendor_a) == Decimal("3.00")
    assert ConnectIncident.objects.get(stripe_event_id="evt_1Qacct").booked is True
