"""The daily reconciliation against localstripe (charges, refunds) and the simulated Connect gateway (transfers,
reversals): a clean day passes; planted differences are caught, once."""

import logging
from decimal import Decimal

import pytest
from django.utils import timezone

from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay
from orders.models import LedgerEntry, Order, ReconciliationIssue
from orders.reconciliation import reconcile_day
from orders.refunds import order_refund
from orders.tasks import reconcile_yesterday
from vendors.connect import connect_gateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(paid, vendor_a, vendor_b):
    """A busy day: a checkout paid at two shops, both transferred, one refunded in part after its transfer."""
    for order in paid.orders.all():
        order_transfer(order_id=order.pk)
    mugs = Order.objects.get(checkout=paid, vendor=vendor_a)
    order_refund(order=mugs, by=vendor_a.owner, request_key="k1", amount=Decimal("10.00"))
    return timezone.localdate()


@pytest.fixture
def paid(placed_checkout):
    card_pay(placed_checkout)
    checkout = checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    assert checkout.status == "paid"
    return checkout


def _issues(day):
    return sorted(
        (i.kind, i.problem, i.ledger_amount, i.stripe_amount) for i in ReconciliationIssue.objects.filter(day=day)
    )


def test_a_clean_day_has_no_issues(day, caplog):
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"sale", "refund", "transfer", "transfer_reversal"} <= kinds  # every kind was compared

    with caplog.at_level(logging.ERROR, logger="orders.reconciliation"):
        assert reconcile_day(day=day) == []

    assert not caplog.records


def test_an_altered_ledger_refund_is_caught_once(day, caplog):
    LedgerEntry.objects.filter(kind="refund").update(amount=Decimal("-9.00"))

    with caplog.at_level(logging.ERROR, logger="orders.reconciliation"):
        reconcile_day(day=day)
        reconcile_day(day=day)  # a second run finds the same difference and writes nothing new

    assert _issues(day) == [("refund", "amount_differs", Decimal("9.00"), Decimal("10.00"))]
    assert len([r for r in caplog.records if "refund" in r.getMessage()]) == 1


def test_a_transfer_missing_from_the_ledger_is_caught(day, vendor_a):
    transfer_id = connect_gateway().transfer_create(
        amount_minor=1234,
        currency="usd",
        destination=vendor_a.stripe_account_id,
        source_transaction="",
        transfer_group="stray",
        idempotency_key="stray",
    )

    reconcile_day(day=day)

    issue = ReconciliationIssue.objects.get(day=day)
    assert (issue.kind, issue.stripe_id, issue.problem) == ("transfer", transfer_id, "missing_in_ledger")
    assert (issue.ledger_amount, issue.stripe_amount) == (None, Decimal("12.34"))


def test_a_reversal_and_a_charge_stripe_never_made_are_caught(day, paid):
    reversal = LedgerEntry.objects.get(kind="transfer_reversal")
    LedgerEntry.objects.create(
        account="shop", vendor_id=reversal.vendor_id, order=reversal.order, kind="transfer_reversal",
        amount=Decimal("1.00"), currency=reversal.currency, stripe_id="trr_sim_nowhere",
    )  # fmt: skip
    sale = LedgerEntry.objects.filter(kind="sale", order__checkout=paid).order_by("pk").first()
    LedgerEntry.objects.filter(pk=sale.pk).update(amount=sale.amount + Decimal("0.01"))

    reconcile_day(day=day)

    assert [(k, p) for k, p, *_ in _issues(day)] == [
        ("charge", "amount_differs"),
        ("transfer_reversal", "missing_at_stripe"),
    ]


def test_the_daily_task_reconciles_yesterday_and_is_scheduled(day, settings):
    LedgerEntry.objects.filter(kind="refund").update(amount=Decimal("-9.00"))

    assert reconcile_yesterday.apply(kwargs={"day": day.isoformat()}).get() == 1
    assert reconcile_yesterday.apply().get() == 0  # yesterday had nothing
    assert settings.CELERY_BEAT_SCHEDULE["reconcile-ledger"]["task"] == "orders.tasks.reconcile_yesterday"


def test_a_reversal_of_an_older_transfer_missing_from_the_ledger_is_caught(day, paid, vendor_a):
    from vendors.models import SimulatedTransfer

    # Yesterday's transfer, today's refund: Stripe reversed the shop's share, the ledger lost it.
    mugs = Order.objects.get(checkout=paid, vendor=vendor_a)
    yesterday = timezone.now() - timezone.timedelta(days=1)
    SimulatedTransfer.objects.filter(stripe_id=mugs.transfer_id).update(created_at=yesterday)
    LedgerEntry.objects.filter(order=mugs).exclude(kind="transfer_reversal").update(created_at=yesterday)
    lost = LedgerEntry.objects.get(kind="transfer_reversal")
    LedgerEntry.objects.filter(pk=lost.pk).delete()

    reconcile_day(day=day)

    issue = ReconciliationIssue.objects.get(day=day)
    assert (issue.kind, issue.stripe_id, issue.problem) == ("transfer_reversal", lost.stripe_id, "missing_in_ledger")
