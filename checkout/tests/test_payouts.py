"""Each shop's transfer after a payment: what is sent, and what is not."""

from decimal import Decimal

import pytest

from checkout.models import PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_orders(placed_checkout):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return list(Order.objects.filter(checkout=placed_checkout).order_by("pk"))


def test_a_shop_whose_net_after_fees_is_zero_gets_no_transfer_but_a_zero_record(paid_orders, caplog):
    first, second = paid_orders
    # Stripe's fee share eats the whole net (a tiny order): nothing to send, and nothing to crash on.
    Order.objects.filter(pk=first.pk).update(processing_fee_share=first.vendor_net)
    assert order_transfer(order_id=first.pk) == ""
    assert order_transfer(order_id=first.pk) == ""  # again (a retry): still one record
    first.refresh_from_db()
    assert first.transfer_id == ""
    zero = PaymentRecord.objects.get(kind="transfer", detail__startswith=f"order {first.pk}")
    assert (zero.amount, zero.stripe_id) == (Decimal("0.00"), "")
    # The other shop is paid as usual.
    assert order_transfer(order_id=second.pk).startswith("tr_sim_")
