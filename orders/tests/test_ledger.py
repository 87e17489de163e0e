"""The ledger's invariants over random sequences of sales, transfers, refunds (by shops, shoppers cancelling,
Stripe's dashboard), lost disputes and refused reversals, checked against what was actually sent to Stripe.

Stripe is played by a stub HTTP client under the real stripe-python (as in ``vendors/tests/test_connect_gateway``):
hundreds of payments on localstripe would take minutes, and localstripe has no Connect. Every refund,
transfer and reversal request is recorded, and the invariants compare the ledger with those requests.
"""

import itertools
import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkout.models import Checkout
from checkout.payouts import order_transfer
from marketplace.money import from_minor_units
from orders.disputes import dispute_sync
from orders.ledger import shop_balance
from orders.models import LedgerEntry, Order, OrderRefund
from orders.refunds import RefundError, charge_refund_attribute, order_cancel, order_refund, order_refundable
from orders.tests.factories import paid_checkout
from vendors.tests.factories import VendorFactory
from vendors.tests.test_connect_gateway import SentRequest, StubStripeHTTP, error_json, stub_client, transfer_json

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


class StripeLedgerStub(StubStripeHTTP):
    """Answers refunds, charges (with their fee), transfers and reversals, each with a fresh id.

    ``moved`` keeps the requests that moved money (refunds, transfers, reversals Stripe accepted).
    """

    def __init__(self):
        super().__init__()
        self.ids = itertools.count(1)
        self.fees: dict[str, int] = {}
        self.refuse_reversals = False
        self.moved: list[SentRequest] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        method, path = method.upper(), urlsplit(url).path
        form = dict(parse_qsl(post_data or ""))
        n = next(self.ids)
        self.sent.append(SentRequest(method, path, {}, form, dict(headers or {})))
        if method == "POST" and path == "/v1/refunds":
            body = {"id": f"re_h{n}", "object": "refund", "amount": int(form["amount"]), "currency": "usd",
                    "status": "succeeded", "payment_intent": form["payment_intent"], "charge": "",
                    "metadata": {}}  # fmt: skip
        elif method == "GET" and path.startswith("/v1/charges/"):
            charge = path.rsplit("/", 1)[1]
            txn = {"id": f"txn_h{n}", "object": "balance_transaction", "fee": self.fees[charge]}
            body = {"id": charge, "object": "charge", "currency": "usd", "balance_transaction": txn}
        elif method == "POST" and path == "/v1/transfers":
            body = transfer_json(f"tr_h{n}", amount=int(form["amount"]), destination=form["destination"])
        elif method == "POST" and path.endswith("/reversals"):
            if self.refuse_reversals:
                body = error_json("Insufficient funds in the destination account.", code="balance_insufficient")
                return json.dumps(body), 400, {"request-id": "req_h", "content-type": "application/json"}
            body = {"id": f"trr_h{n}", "object": "transfer_reversal", "amount": int(form["amount"]), "currency": "usd"}
        else:
            raise AssertionError(f"unexpected Stripe request {method} {path}")
        if method == "POST":
            self.moved.append(self.sent[-1])
        return json.dumps(body), 200, {"request-id": "req_h", "content-type": "application/json"}

    def money_moved(self, which) -> Decimal:
        return sum((from_minor_units(int(r.form["amount"]), "usd") for r in self.moved if which(r)), Decimal("0.00"))


@pytest.fixture
def stripe_stub(settings, monkeypatch):
    http = StripeLedgerStub()
    settings.STRIPE_CONNECT_SIMULATED = False
    monkeypatch.setattr("vendors.connect.stripe_client", lambda **kwargs: stub_client(http))
    monkeypatch.setattr("marketplace.payments_gateway.stripe_client", lambda **kwargs: stub_client(http))
    return http


prices = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("300.00"), places=2)
step = st.one_of(
    st.tuples(st.just("sale"), st.lists(prices, min_size=1, max_size=3), st.integers(1, 3), st.integers(0, 900)),
    st.tuples(st.just("transfer"), st.integers(0, 20)),
    st.tuples(st.just("refund_amount"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("refund_item"), st.integers(0, 20)),
    st.tuples(st.just("refund_full"), st.integers(0, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("dashboard_refund"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("dispute_lost"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("reversals_refused"), st.booleans()),
)


def _run(step_, *, shopper, shops, stub, checkouts):
    kind = step_[0]
    orders = list(Order.objects.filter(checkout__in=checkouts).order_by("pk"))
    pick = orders[step_[1] % len(orders)] if orders and kind not in ("sale", "reversals_refused") else None
    if kind == "sale":
        _, price_list, quantity, fee_cents = step_
        checkout = paid_checkout(user=shopper, vendors=shops[: len(price_list)], price=price_list[0], quantity=quantity)
        Checkout.objects.filter(pk=checkout.pk).update(
            payment_intent_id=f"pi_h{checkout.pk}", charge_id=f"ch_h{checkout.pk}"
        )
        stub.fees[f"ch_h{checkout.pk}"] = min(fee_cents, int(checkout.total * 100))
        checkouts.append(checkout.pk)
    elif kind == "reversals_refused":
        stub.refuse_reversals = step_[1]
    elif pick is None:
        return
    elif kind == "transfer":
        order_transfer(order_id=pick.pk)
    elif kind == "refund_amount":
        left = order_refundable(order=pick)
        amount = (left * step_[2] / 100).quantize(CENT)
        if amount > 0:
            order_refund(order=pick, by=pick.vendor.owner, request_key=f"a{next(stub.ids)}", amount=amount)
    elif kind == "refund_item":
        item = pick.items.first()
        order_refund(order=pick, by=pick.vendor.owner, request_key=f"i{next(stub.ids)}", items={item.pk: 1})
    elif kind == "refund_full":
        order_refund(order=pick, by=pick.vendor.owner, request_key=f"f{next(stub.ids)}")
    elif kind == "cancel":
        order_cancel(order=pick, by=shopper, request_key=f"c{next(stub.ids)}")
    elif kind == "dispute_lost":
        checkout = Checkout.objects.get(pk=pick.checkout_id)
        minor = int(checkout.total * step_[2])  # percent of the charge, in cents
        dispute_id = f"du_h{next(stub.ids)}"
        dispute_sync(checkout_id=checkout.pk, dispute_id=dispute_id, amount_minor=minor, currency="USD",
                     status="needs_response", reason="fraudulent")  # fmt: skip
        dispute_sync(checkout_id=checkout.pk, dispute_id=dispute_id, amount_minor=minor, currency="USD",
                     status="lost", reason="fraudulent")  # fmt: skip
        # Stripe takes what the bank won back, but never more than is left of the charge.
        left = checkout.total - stub.money_moved(lambda r, pi=checkout.payment_intent_id: _refunds_of(r, pi))
        form = {"amount": str(min(minor, int(left * 100))), "payment_intent": checkout.payment_intent_id}
        stub.moved.append(SentRequest("POST", "/dispute/lost", {}, form, {}))
    elif kind == "dashboard_refund":
        checkout = Checkout.objects.get(pk=pick.checkout_id)
        left = sum((order_refundable(order=o) for o in checkout.orders.all()), Decimal("0.00"))
        minor = int(left * step_[2])  # percent of what is left, in cents
        if minor > 0:
            charge_refund_attribute(checkout_id=checkout.pk, refund_id=f"re_dash{next(stub.ids)}", amount_minor=minor,
                                    currency="USD", status="succeeded", metadata={})  # fmt: skip
            # Made in Stripe's dashboard: Stripe moved the money without a request of ours.
            form = {"amount": str(minor), "payment_intent": checkout.payment_intent_id}
            stub.moved.append(SentRequest("POST", "/dashboard/refunds", {}, form, {}))


def _refunds_of(request, intent_id) -> bool:
    """Money back to the shopper on this payment: our refunds, dashboard refunds, lost disputes."""
    paths = ("/v1/refunds", "/dashboard/refunds", "/dispute/lost")
    return request.path in paths and request.form.get("payment_intent") == intent_id


def _sum(queryset) -> Decimal:
    return queryset.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def _check_invariants(stub, shops, checkouts):
    entries = LedgerEntry.objects.all()
    moves = (LedgerEntry.Kind.TRANSFER, LedgerEntry.Kind.TRANSFER_REVERSAL)
    for checkout in Checkout.objects.filter(pk__in=checkouts):
        refunded = stub.money_moved(lambda r, pi=checkout.payment_intent_id: _refunds_of(r, pi))
        assert refunded <= checkout.total  # never more than was charged
        mine = entries.filter(order__checkout_id=checkout.pk)
        shop_nets = _sum(mine.filter(account="shop").exclude(kind__in=moves))
        fees = _sum(mine.filter(account="platform"))
        assert shop_nets + fees == checkout.total - refunded
    for shop in shops:
        transferred = _sum(entries.filter(vendor=shop, kind=LedgerEntry.Kind.TRANSFER))
        reversed_ = _sum(entries.filter(vendor=shop, kind=LedgerEntry.Kind.TRANSFER_REVERSAL))
        # The ledger's transfers and reversals are exactly what was sent to Stripe for the shop.
        sent = stub.money_moved(
            lambda r, acct=shop.stripe_account_id: r.path == "/v1/transfers" and r.form["destination"] == acct
        )
        shop_transfers = {t.stripe_id for t in entries.filter(vendor=shop, kind=LedgerEntry.Kind.TRANSFER)}
        came_back = stub.money_moved(
            lambda r, ids=shop_transfers: r.path.endswith("/reversals") and r.path.split("/")[3] in ids
        )
        assert -transferred == sent and reversed_ == came_back
        assert shop_balance(vendor=shop) == _sum(entries.filter(account="shop", vendor=shop))
    for order in Order.objects.filter(checkout__in=checkouts):
        refunded = _sum(order.refunds.filter(status="succeeded"))
        assert refunded <= order.total
        returned = order.refunds.aggregate(s=Sum("platform_fee_returned"))["s"] or Decimal("0.00")
        assert Decimal("0.00") <= returned <= order.platform_fee
        if refunded == order.total:
            assert returned == order.platform_fee  # a full refund returns the whole platform fee
            assert order.status in ("refunded", "cancelled")


class _Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_the_ledger_reconciles_with_stripe_after_any_sequence(steps, shopper, stripe_stub):
    stripe_stub.moved.clear()
    stripe_stub.refuse_reversals = False
    try:
        with transaction.atomic():
            shops = [VendorFactory() for _ in range(3)]
            checkouts: list[int] = []
            for one in [("sale", [Decimal("20.00")], 1, 90), *steps]:
                try:
                    with transaction.atomic():
                        _run(one, shopper=shopper, shops=shops, stub=stripe_stub, checkouts=checkouts)
                except RefundError:
                    pass  # refused (nothing left, shipped, ...): refusals write nothing
                _check_invariants(stripe_stub, shops, checkouts)
            assert not OrderRefund.objects.filter(status="pending").exists()
            raise _Rollback
    except _Rollback:
        pass
