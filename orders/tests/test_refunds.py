"""Refunds of a shop's order against localstripe: amounts and limits, double clicks, stock, the order's status,
the shop's share taken back (or owed), and a refund made in Stripe's dashboard attributed to the orders."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Product
from checkout.models import PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay, deliver, event
from marketplace.stripe_client import stripe_client
from orders.ledger import order_shop_sum, shop_balance
from orders.models import LedgerEntry, Order, OrderRefund
from orders.refunds import RefundError, order_cancel, order_refund, order_refundable, refund_key_new
from orders.services import order_mark_shipped
from vendors.tests.test_connect_gateway import StubStripeHTTP, error_json, stub_client, transfer_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(placed_checkout):
    """Kiln & Co's order (2 × Mug at 20.00) and Loom Works' (Scarf 35.50), paid on localstripe."""
    card_pay(placed_checkout)
    checkout = checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    assert checkout.status == "paid"
    return checkout


@pytest.fixture
def mug_order(paid, vendor_a):
    return Order.objects.get(checkout=paid, vendor=vendor_a)


def _stripe_refunds(checkout) -> list[int]:
    refunds = stripe_client().v1.refunds.list(params={"charge": checkout.charge_id})
    return sorted(r.amount for r in refunds.auto_paging_iter())


def _stock(order) -> int:
    return Product.objects.get(pk=order.items.get().product_id).stock_quantity


def test_a_full_refund_refunds_the_shops_part_at_stripe_and_returns_the_stock(paid, mug_order, vendor_a):
    stock = _stock(mug_order)
    refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k1", reason="out of glaze")

    assert refund.status == "succeeded" and refund.amount == mug_order.total
    assert _stripe_refunds(paid) == [int(mug_order.total * 100)]  # the shop's part, not the checkout's total
    mug_order.refresh_from_db()
    assert mug_order.status == "refunded"
    assert mug_order.status_changes.last().by == vendor_a.owner
    assert _stock(mug_order) == stock + 2
    assert refund.platform_fee_returned == mug_order.platform_fee
    # The other shop's order is untouched.
    assert Order.objects.get(checkout=paid, vendor__name="Loom Works").status == "paid"


def test_a_refund_of_chosen_items_then_an_amount(paid, mug_order, vendor_a):
    item = mug_order.items.get()
    stock = _stock(mug_order)
    first = order_refund(order=mug_order, by=vendor_a.owner, request_key="k1", items={item.pk: 1})
    assert first.amount == Decimal("20.00") and first.items == [{"item": item.pk, "quantity": 1}]
    assert _stock(mug_order) == stock + 1
    mug_order.refresh_from_db()
    assert mug_order.status == "partially_refunded"

    second = order_refund(order=mug_order, by=vendor_a.owner, request_key="k2", amount=Decimal("5.25"))
    assert second.amount == Decimal("5.25") and _stock(mug_order) == stock + 1  # an amount returns no stock
    assert _stripe_refunds(paid) == [525, 2000]
    assert order_refundable(order=mug_order) == mug_order.total - Decimal("25.25")
    # The item refunded once can be refunded once more, not twice.
    with pytest.raises(RefundError, match=r"Only 1 × Mug"):
        order_refund(order=mug_order, by=vendor_a.owner, request_key="k3", items={item.pk: 2})


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("1000.00")])
def test_amounts_outside_what_is_left_are_refused_and_nothing_reaches_stripe(paid, mug_order, vendor_a, amount):
    with pytest.raises(RefundError) as caught:
        order_refund(order=mug_order, by=vendor_a.owner, request_key="k", amount=amount)
    assert caught.value.code in ("amount_not_positive", "amount_over_limit")
    assert _stripe_refunds(paid) == []
    assert not OrderRefund.objects.exists()


def test_the_limit_counts_earlier_refunds(paid, mug_order, vendor_a):
    order_refund(order=mug_order, by=vendor_a.owner, request_key="k1", amount=mug_order.total - Decimal("1.00"))
    with pytest.raises(RefundError, match=r"At most 1\.00"):
        order_refund(order=mug_order, by=vendor_a.owner, request_key="k2", amount=Decimal("1.01"))
    order_refund(order=mug_order, by=vendor_a.owner, request_key="k3")  # the rest, in full
    with pytest.raises(RefundError, match="refunded"):
        order_refund(order=mug_order, by=vendor_a.owner, request_key="k4")
    assert sum(_stripe_refunds(paid)) == int(mug_order.total * 100)


def test_a_double_click_sends_the_same_key_and_makes_one_refund(paid, mug_order, vendor_a):
    first = order_refund(order=mug_order, by=vendor_a.owner, request_key="same", amount=Decimal("3.00"))
    again = order_refund(order=mug_order, by=vendor_a.owner, request_key="same", amount=Decimal("3.00"))
    assert again.pk == first.pk
    assert _stripe_refunds(paid) == [300]


@pytest.mark.django_db(transaction=True)
def test_concurrent_full_refunds_make_one_refund(paid, mug_order, vendor_a):
    """Two tabs (two keys) refund the whole order at the same moment: the order's lock lets one through."""
    start = threading.Barrier(4)
    outcomes = []

    def click(key):
        try:
            start.wait()
            order_refund(order=mug_order, by=vendor_a.owner, request_key=key)
            outcomes.append("refunded")
        except RefundError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(f"tab-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["nothing_left"] * 3 + ["refunded"]
    assert _stripe_refunds(paid) == [int(mug_order.total * 100)]
    assert OrderRefund.objects.count() == 1


def test_the_shopper_cancels_an_unshipped_order(paid, mug_order, shopper):
    stock = _stock(mug_order)
    order_cancel(order=mug_order, by=shopper, request_key=refund_key_new())
    mug_order.refresh_from_db()
    assert mug_order.status == "cancelled" and mug_order.cancelled_at
    assert _stripe_refunds(paid) == [int(mug_order.total * 100)]
    assert _stock(mug_order) == stock + 2


def test_a_shipped_order_cant_be_cancelled_and_its_refund_returns_no_stock(paid, mug_order, shopper, vendor_a):
    order_mark_shipped(order=mug_order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    stock = _stock(mug_order)
    with pytest.raises(RefundError, match="has shipped") as caught:
        order_cancel(order=mug_order, by=shopper, request_key="k")
    assert caught.value.code == "already_shipped"
    assert _stripe_refunds(paid) == []
    order_refund(order=mug_order, by=vendor_a.owner, request_key="k2")  # the shop may still refund
    assert _stock(mug_order) == stock  # the mugs are with the shopper


# --- The shop's share -------------------------------------------------------------------------


def test_a_refund_before_the_transfer_makes_the_transfer_smaller(paid, mug_order, vendor_a):
    refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    assert refund.reversal_status == "deducted"
    order_transfer(order_id=mug_order.pk)
    mug_order.refresh_from_db()
    sent = PaymentRecord.objects.get(kind="transfer", stripe_id=mug_order.transfer_id).amount
    assert sent == mug_order.vendor_net - mug_order.processing_fee_share - refund.shop_share
    assert order_shop_sum(order=mug_order) == 0 and shop_balance(vendor=vendor_a) == 0


def test_a_refund_after_the_transfer_reverses_the_shops_share(paid, mug_order, vendor_a):
    order_transfer(order_id=mug_order.pk)
    refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    assert refund.reversal_status == "reversed" and refund.transfer_reversal_id.startswith("trr_sim_")
    # Platform fee returned pro rata: 10.00 of the order's total.
    assert refund.platform_fee_returned == (mug_order.platform_fee * 10 / mug_order.total).quantize(Decimal("0.01"))
    reversal = LedgerEntry.objects.get(kind="transfer_reversal")
    assert reversal.amount == refund.shop_share and reversal.stripe_id == refund.transfer_reversal_id
    assert shop_balance(vendor=vendor_a) == 0


@pytest.fixture
def stripe_connect(settings, monkeypatch):
    """Real Connect calls, answered by the stub HTTP client (Stripe has no Connect in localstripe)."""
    http = StubStripeHTTP()
    settings.STRIPE_CONNECT_SIMULATED = False
    monkeypatch.setattr("vendors.connect.stripe_client", lambda **kwargs: stub_client(http))
    return http


def test_a_refused_reversal_leaves_the_shop_owing_and_its_next_transfer_pays_it_back(
    paid, mug_order, shopper, vendor_a, stripe_connect
):
    stripe_connect.respond("POST", "/v1/transfers", transfer_json("tr_1Qmug", amount=1, destination="acct_a"))
    order_transfer(order_id=mug_order.pk)
    body = error_json("Insufficient funds in the destination account.", code="balance_insufficient")
    stripe_connect.respond("POST", "/v1/transfers/tr_1Qmug/reversals", body, status=400)

    refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))

    assert refund.status == "succeeded"  # the shopper has their money back whatever happens to the reversal
    assert refund.reversal_status == "failed" and "take the refunded amount back" in refund.failure
    assert shop_balance(vendor=vendor_a) == -refund.shop_share
    [reversal] = stripe_connect.to("POST", "/v1/transfers/tr_1Qmug/reversals")
    assert reversal.form["amount"] == str(int(refund.shop_share * 100))

    # The shop's next sale: its transfer is smaller by what it owes.
    from orders.tests.factories import paid_checkout

    later = paid_checkout(user=shopper, vendors=[vendor_a], price=Decimal("50.00")).orders.get()
    later.checkout.charge_id = paid.charge_id
    later.checkout.save(update_fields=["charge_id"])
    Order.objects.filter(pk=later.pk).update(processing_fee_share=Decimal("1.00"))
    stripe_connect.respond("POST", "/v1/transfers", transfer_json("tr_1Qnext", amount=1, destination="acct_a"))
    order_transfer(order_id=later.pk)
    [_, sent] = stripe_connect.to("POST", "/v1/transfers")
    owed = refund.shop_share
    assert sent.form["amount"] == str(int((later.vendor_net - Decimal("1.00") - owed) * 100))
    assert "kept back" in LedgerEntry.objects.get(order=later, kind="transfer").memo
    assert shop_balance(vendor=vendor_a) == 0


# --- Refunds made in Stripe's dashboard ----------------------------------------------------------


def _charge_refunded(checkout, event_id="evt_r1") -> dict:
    charge = stripe_client().v1.charges.retrieve(checkout.charge_id).to_dict()
    charge.pop("refunds", None)
    return event("charge.refunded", charge, event_id)


def test_a_dashboard_refund_is_split_over_the_shops_orders_pro_rata(client, paid, vendor_a, vendor_b):
    orders = list(Order.objects.filter(checkout=paid).order_by("pk"))
    for order in orders:
        order_transfer(order_id=order.pk)
    stripe_client().v1.refunds.create(params={"charge": paid.charge_id, "amount": 1001})  # 10.01, by staff at Stripe

    assert deliver(client, _charge_refunded(paid)).status_code == 200
    assert deliver(client, _charge_refunded(paid, "evt_r2")).status_code == 200  # the same refund again

    refunds = list(OrderRefund.objects.order_by("order_id"))
    totals = [o.total for o in orders]
    exact = [Decimal("10.01") * t / sum(totals) for t in totals]
    assert all(abs(r.amount - e) < Decimal("0.01") for r, e in zip(refunds, exact, strict=True))
    assert sum(r.amount for r in refunds) == Decimal("10.01")
    assert {r.order.status for r in refunds} == {"partially_refunded"}
    assert all(r.reversal_status == "reversed" and r.by is None for r in refunds)
    assert PaymentRecord.objects.filter(kind="refund").count() == 1
    assert shop_balance(vendor=vendor_a) == 0 and shop_balance(vendor=vendor_b) == 0


def test_our_own_refund_reported_by_the_webhook_is_recorded_once(client, paid, mug_order, vendor_a):
    refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k", amount=Decimal("4.00"))
    assert deliver(client, _charge_refunded(paid)).status_code == 200
    assert deliver(client, _charge_refunded(paid, "evt_r2")).status_code == 200
    [row] = PaymentRecord.objects.filter(kind="refund")
    assert (row.stripe_id, row.amount) == (refund.stripe_refund_id, Decimal("4.00"))
    assert OrderRefund.objects.get() == refund  # not attributed a second time
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_a_refund_the_bank_returns_later_is_kept_on_the_order_refund(client, paid, mug_order, vendor_a, localstripe):
    import requests

    refund = order_refund(order=mug_order, by=vendor_a.owner, request_key="k", amount=Decimal("4.00"))
    assert requests.post(
        f"{localstripe.url}/v1/refunds/{refund.stripe_refund_id}", data={"status": "failed"},
        auth=("sk_test_localstripe", ""), timeout=5,
    ).ok  # fmt: skip
    reported = stripe_client().v1.refunds.retrieve(refund.stripe_refund_id).to_dict()
    for event_id in ("evt_u1", "evt_u2"):
        assert deliver(client, event("charge.refund.updated", reported, event_id)).status_code == 200
    refund.refresh_from_db()
    assert refund.failure == "Stripe reports the refund failed: the shopper was not repaid"
    assert PaymentRecord.objects.filter(kind="refund_failed", stripe_id=refund.stripe_refund_id).count() == 1
