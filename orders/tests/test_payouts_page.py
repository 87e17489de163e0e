"""The shop's payouts page: its balance and ledger, only its own; a refund it owes shows there and on the dashboard."""

from decimal import Decimal

import pytest

from checkout.payments import checkout_sync_payment
from checkout.payouts import order_transfer
from checkout.tests.conftest import card_pay
from orders.models import Order
from orders.refunds import order_refund
from vendors.tests.test_connect_gateway import StubStripeHTTP, error_json, stub_client, transfer_json

pytestmark = pytest.mark.django_db
URL = "/shops/dashboard/orders/payouts/"


@pytest.fixture
def paid_orders(placed_checkout, vendor_a, vendor_b):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return Order.objects.get(checkout=placed_checkout, vendor=vendor_a), Order.objects.get(vendor=vendor_b)


def test_the_shop_sees_its_ledger_and_not_another_shops(client, paid_orders, vendor_a):
    mine, theirs = paid_orders
    order_transfer(order_id=mine.pk)
    order_refund(order=mine, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    client.force_login(vendor_a.owner)

    page = client.get(URL).content.decode()

    assert mine.number in page and theirs.number not in page
    for kind in ("Sale", "Platform fee", "Card processing fee", "Transfer to the shop", "Refund", "Transfer reversed"):
        assert kind in page
    assert "Nothing owed either way" in page
    assert "Balance and ledger" in client.get("/shops/dashboard/").content.decode()


def test_a_refused_reversal_shows_what_the_shop_owes(client, paid_orders, vendor_a, settings, monkeypatch):
    http = StubStripeHTTP()
    settings.STRIPE_CONNECT_SIMULATED = False
    monkeypatch.setattr("vendors.connect.stripe_client", lambda **kwargs: stub_client(http))
    http.respond("POST", "/v1/transfers", transfer_json("tr_1Qmug", amount=1, destination="acct_a"))
    mine, _ = paid_orders
    order_transfer(order_id=mine.pk)
    body = error_json("Insufficient funds in the destination account.", code="balance_insufficient")
    http.respond("POST", "/v1/transfers/tr_1Qmug/reversals", body, status=400)
    refund = order_refund(order=mine, by=vendor_a.owner, request_key="k", amount=Decimal("10.00"))
    client.force_login(vendor_a.owner)

    page = client.get(URL).content.decode()

    assert f"You owe ${refund.shop_share}" in page and "deducted from your next payouts" in page
    assert "refunds owed, taken from your next payouts" in client.get("/shops/dashboard/").content.decode()


def test_not_a_shop_or_logged_out(client, shopper):
    assert client.get(URL).status_code == 302
    client.force_login(shopper)
    assert client.get(URL).status_code == 404
