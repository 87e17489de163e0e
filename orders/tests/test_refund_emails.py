"""The buyer hears of every settled refund and cancellation, once, by email and on their bell (#12 emails)."""

from decimal import Decimal

import pytest
from django.core import mail

from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from marketplace.models import Notification
from orders.models import Order
from orders.refunds import order_cancel, order_refund, order_refund_settle

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug_order(placed_checkout, vendor_a):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return Order.objects.get(checkout=placed_checkout, vendor=vendor_a)


def _to_buyer(order):
    return [m for m in mail.outbox if m.to == [order.checkout.email] and order.number in m.subject]


def test_a_partial_refund_is_emailed_once_with_the_amount(mug_order, vendor_a, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k1", amount=Decimal("5.00"),
                              reason="a chipped handle")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        order_refund_settle(refund_id=refund.pk, stripe_refund_id=refund.stripe_refund_id)  # reported again
    emails = _to_buyer(mug_order)
    assert len(emails) == 1
    assert emails[0].subject.startswith("Refund:") and f"${refund.amount}" in emails[0].body
    assert "a chipped handle" in emails[0].body and emails[0].alternatives[0][1] == "text/html"
    bell = Notification.objects.filter(user=mug_order.checkout.user, kind="order_refunded")
    assert bell.count() == 1 and mug_order.number in bell.get().text


def test_a_cancelled_order_is_emailed_as_cancelled(mug_order, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=mug_order, by=mug_order.checkout.user, request_key="c1")
    emails = _to_buyer(mug_order)
    assert len(emails) == 1 and emails[0].subject.startswith("Cancelled and refunded")
    assert f"${mug_order.total}" in emails[0].body
