"""Paying a checkout end to end against localstripe: success, decline, 3-D Secure, webhooks."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
import requests
from django.core import mail

from catalog.tests.factories import ProductFactory
from checkout.gateway import PaymentsGateway
from checkout.models import Cart, Checkout, PaymentRecord
from checkout.payments import checkout_confirm_payment, checkout_payment_intent, checkout_sync_payment
from checkout.placement import Address, checkout_place
from checkout.services import cart_add
from marketplace.models import StripeEvent
from marketplace.stripe_client import stripe_client
from marketplace.tests.api_tokens import authenticate
from orders.models import Order

pytestmark = pytest.mark.django_db

ADDRESS = Address(name="Sasha Shopper", line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")
SECRET = "whsec_test_payments"


@pytest.fixture
def placed(shopper, vendor_a, vendor_b, localstripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("20.00"), title="Mug"), quantity=2)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_b, price=Decimal("35.50"), title="Scarf"))
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    intent_id, secret = checkout_payment_intent(checkout=checkout)
    return checkout, intent_id, secret


def _pay(intent_id: str, card: str) -> dict:
    """What the pay page does: Stripe.js makes a payment method from the card, our server confirms."""
    client = stripe_client()
    pm = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    checkout = (
        Checkout.objects.get(payment_intent_id=intent_id)
        if Checkout.objects.filter(payment_intent_id=intent_id).exists()
        else Checkout.objects.get()
    )
    outcome = checkout_confirm_payment(checkout=checkout, payment_method_id=pm.id)
    for _ in range(50):  # localstripe settles charges asynchronously
        intent = client.v1.payment_intents.retrieve(intent_id)
        if intent.status not in ("processing", "requires_confirmation"):
            break
        time.sleep(0.1)
    intent.outcome = outcome
    return intent


def _signed(event: dict, *, at: int | None = None, secret: str = SECRET) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    at = at or int(time.time())
    signature = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={at},v1={signature}"


def _event(intent_id: str, kind: str = "payment_intent.succeeded", event_id: str = "evt_1") -> dict:
    return {"id": event_id, "type": kind, "livemode": False, "data": {"object": {"id": intent_id}}}


def _deliver(client, event: dict, **kwargs):
    payload, signature = _signed(event, **kwargs)
    return client.post(
        "/api/payments/webhook", payload, content_type="application/json", headers={"Stripe-Signature": signature}
    )


def test_a_paid_checkout_marks_orders_paid_pays_the_shops_and_sends_receipts(
    placed, django_capture_on_commit_callbacks
):
    checkout, intent_id, _ = placed
    assert _pay(intent_id, "4242424242424242").status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "paid" and checkout.paid_at
    orders = list(Order.objects.filter(checkout=checkout))
    assert {o.status for o in orders} == {"paid"}
    assert all(o.transfer_id.startswith("tr_sim_") for o in orders)  # Connect is simulated in tests
    kinds = list(PaymentRecord.objects.filter(checkout=checkout).values_list("kind", flat=True))
    assert kinds == ["intent", "succeeded", "transfer", "transfer"]
    receipt = next(m for m in mail.outbox if m.to == [checkout.email])
    assert "Kiln & Co" in receipt.body and "Loom Works" in receipt.body and "$84.50" in receipt.body
    assert receipt.alternatives[0][1] == "text/html"
    assert {m.to[0] for m in mail.outbox} == {checkout.email, "ana@example.com", "ben@example.com"}
    assert not Cart.objects.get(pk=checkout.cart_id).items.exists()  # bought items leave the cart
    # Nothing in the audit log carries a secret.
    assert not PaymentRecord.objects.filter(detail__contains="secret").exists()


def test_a_declined_card_leaves_the_checkout_waiting_and_the_cart_intact(placed):
    checkout, intent_id, _ = placed
    intent = _pay(intent_id, "4000000000000002")
    assert intent.status == "requires_payment_method"
    checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "awaiting_payment"
    assert PaymentRecord.objects.filter(checkout=checkout, kind="failed").exists()
    assert Cart.objects.get(pk=checkout.cart_id).items.count() == 2
    # Another card then works, on the same intent.
    assert _pay(intent_id, "4242424242424242").status == "succeeded"
    checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    assert checkout.status == "paid"


def test_three_d_secure_needs_the_challenge_before_it_is_paid(placed, localstripe):
    checkout, intent_id, client_secret = placed
    intent = _pay(intent_id, "4000002500003155")
    assert intent.status == "requires_action"
    checkout_sync_payment(intent_id=intent_id)
    assert Checkout.objects.get(pk=checkout.pk).status == "awaiting_payment"
    # The shopper passes the challenge (localstripe's stand-in for the bank's page).
    response = requests.post(
        f"{localstripe.url}/v1/payment_intents/{intent_id}/_authenticate?success=true",
        json={"key": "pk_test_localstripe", "client_secret": client_secret},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    for _ in range(50):
        if stripe_client().v1.payment_intents.retrieve(intent_id).status == "succeeded":
            break
        time.sleep(0.1)
    checkout_sync_payment(intent_id=intent_id)
    assert Checkout.objects.get(pk=checkout.pk).status == "paid"


def test_webhook_marks_paid_once_and_replays_do_nothing(client, placed, django_capture_on_commit_callbacks):
    checkout, intent_id, _ = placed
    _pay(intent_id, "4242424242424242")
    with django_capture_on_commit_callbacks(execute=True):
        first = _deliver(client, _event(intent_id))
    assert first.status_code == 200 and first.json()["replay"] is False
    sent = len(mail.outbox)
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            again = _deliver(client, _event(intent_id))
        assert again.json()["replay"] is True
    assert len(mail.outbox) == sent
    assert StripeEvent.objects.count() == 1
    assert PaymentRecord.objects.filter(kind="succeeded").count() == 1
    assert Checkout.objects.get(pk=checkout.pk).status == "paid"


def test_webhook_refuses_bad_and_stale_signatures(client, placed):
    checkout, intent_id, _ = placed
    _pay(intent_id, "4242424242424242")
    assert _deliver(client, _event(intent_id), secret="whsec_wrong").status_code == 400
    assert _deliver(client, _event(intent_id), at=int(time.time()) - 301).status_code == 400
    garbage = client.post(
        "/api/payments/webhook", b"{", content_type="application/json", headers={"Stripe-Signature": "t=1,v1=x"}
    )
    assert garbage.status_code == 400
    assert not StripeEvent.objects.exists()
    assert Checkout.objects.get(pk=checkout.pk).status == "awaiting_payment"
    assert client.get("/api/payments/webhook").status_code == 405


def test_events_out_of_order_never_move_state_back(client, placed):
    checkout, intent_id, _ = placed
    _pay(intent_id, "4242424242424242")
    _deliver(client, _event(intent_id, "payment_intent.succeeded", "evt_a"))
    # A stale "failed" event arriving later re-reads the intent, which says succeeded.
    _deliver(client, _event(intent_id, "payment_intent.payment_failed", "evt_b"))
    assert Checkout.objects.get(pk=checkout.pk).status == "paid"


def test_an_event_for_an_intent_whose_checkout_was_not_yet_linked_finds_it_by_metadata(client, placed):
    checkout, intent_id, _ = placed
    _pay(intent_id, "4242424242424242")
    Checkout.objects.filter(pk=checkout.pk).update(payment_intent_id=None)  # as if the link hadn't committed yet
    assert _deliver(client, _event(intent_id)).status_code == 200
    assert Checkout.objects.get(pk=checkout.pk).status == "paid"


def test_the_processing_fee_is_recorded_and_shared_to_the_cent(placed):
    checkout, intent_id, _ = placed
    _pay(intent_id, "4242424242424242")
    checkout_sync_payment(intent_id=intent_id)
    checkout.refresh_from_db()
    orders = list(Order.objects.filter(checkout=checkout))
    if checkout.processing_fee is None:
        pytest.fail("localstripe reports a balance transaction for a settled charge; none was read")
    assert sum(o.processing_fee_share for o in orders) == checkout.processing_fee
    charged = checkout.total
    assert (
        sum(o.vendor_net - o.processing_fee_share for o in orders) + checkout.platform_fee + checkout.processing_fee
        == charged
    )


def test_pay_page_alone_allows_stripe_js(client, placed, shopper):
    checkout, _, _ = placed
    client.force_login(shopper)
    page = client.get(f"/cart/checkout/{checkout.pk}/pay")
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "127.0.0.1" in csp.split("script-src")[1].split(";")[0]
    assert "127.0.0.1" not in client.get("/")["Content-Security-Policy"]
    assert checkout_client_secret_not_logged(page)


def checkout_client_secret_not_logged(page) -> bool:
    # The client secret belongs on the pay page (Stripe.js needs it), never in our audit log.
    return not PaymentRecord.objects.filter(detail__contains="_secret_").exists()


def test_another_shopper_cannot_see_or_pay_someone_elses_checkout(client, placed, other_shopper):
    checkout, _, _ = placed
    client.force_login(other_shopper)
    assert client.get(f"/cart/checkout/{checkout.pk}/pay").status_code == 404
    assert client.get(f"/cart/checkout/{checkout.pk}/done").status_code == 404
    assert client.post(f"/cart/checkout/{checkout.pk}/confirm", {"token": "tok_x"}).status_code == 404


def test_api_places_orders_and_only_the_owner_reads_them(vendor_a, vendor_b, localstripe, other_shopper):
    from rest_framework.test import APIClient

    api = APIClient()
    api.post("/api/cart/items", {"product_id": ProductFactory(vendor=vendor_a).pk, "quantity": 2}, format="json")
    api.post("/api/cart/items", {"product_id": ProductFactory(vendor=vendor_b).pk}, format="json")
    body = {"email": "g@example.com", "name": "G", "line1": "1 St", "city": "Bath", "postcode": "BA1 1AA",
            "country": "gb"}  # fmt: skip
    placed = api.post("/api/orders", body, format="json")
    assert placed.status_code == 201, placed.json()
    data = placed.json()
    assert len(data["orders"]) == 2 and data["status"] == "awaiting_payment"
    order_id = data["orders"][0]["id"]
    assert api.get(f"/api/orders/{order_id}").json()["id"] == order_id
    first = api.post("/api/payments/create-intent", {"checkout_id": data["id"]}, format="json").json()
    again = api.post("/api/payments/create-intent", {"checkout_id": data["id"]}, format="json").json()
    assert first["id"] == again["id"] and first["client_secret"].startswith(first["id"])

    stranger = APIClient()
    authenticate(stranger, other_shopper)
    assert stranger.get(f"/api/orders/{order_id}").status_code == 404
    assert stranger.post("/api/payments/create-intent", {"checkout_id": data["id"]}, format="json").status_code == 404
    refused = APIClient().post("/api/orders", body, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "empty_cart"


def test_a_refund_is_recorded_once_in_the_audit_log(client, placed):
    # More refund cases (partial, concurrent, failed) are in test_refunds.py.
    _, intent_id, _ = placed
    _pay(intent_id, "4242424242424242")
    checkout = checkout_sync_payment(intent_id=intent_id)
    refund = stripe_client().v1.refunds.create(params={"charge": checkout.charge_id, "amount": 4000})
    charge = {"id": checkout.charge_id, "payment_intent": intent_id, "amount_refunded": 4000}
    event = {"id": "evt_r", "type": "charge.refunded", "data": {"object": charge}}
    assert _deliver(client, event).status_code == 200
    assert _deliver(client, event | {"id": "evt_r2"}).status_code == 200  # a second event for the same refund
    recorded = PaymentRecord.objects.get(kind="refund")
    assert (recorded.stripe_id, recorded.amount) == (refund.id, Decimal("40.00"))


def test_a_card_fee_that_settles_late_is_still_taken_from_the_transfer(placed, monkeypatch):
    from checkout import payouts
    from vendors.connect import ConnectError

    checkout, intent_id, _ = placed
    monkeypatch.setattr(PaymentsGateway, "charge_fee", lambda self, charge_id: None)  # Stripe hasn't settled it yet
    _pay(intent_id, "4242424242424242")
    checkout_sync_payment(intent_id=intent_id)  # paid; transfers wait for the commit (not run here)
    first, second = Order.objects.filter(checkout=checkout).order_by("pk")
    assert first.processing_fee_share is None and second.processing_fee_share is None
    with pytest.raises(ConnectError) as raised:
        payouts.order_transfer(order_id=first.pk)
    assert raised.value.retryable and not Order.objects.get(pk=first.pk).transfer_id  # nothing sent yet

    monkeypatch.setattr(PaymentsGateway, "charge_fee", lambda self, charge_id: Decimal("2.75"))  # now it has
    payouts.order_transfer(order_id=first.pk)
    payouts.order_transfer(order_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.processing_fee_share + second.processing_fee_share == Decimal("2.75")
    sent = dict(PaymentRecord.objects.filter(kind="transfer").values_list("stripe_id", "amount"))
    assert sent == {
        first.transfer_id: first.vendor_net - first.processing_fee_share,
        second.transfer_id: second.vendor_net - second.processing_fee_share,
    }


def test_a_card_fee_that_never_settles_still_pays_the_shop_on_the_last_try(placed, monkeypatch, caplog):
    from checkout.tasks import transfer_to_shop

    checkout, intent_id, _ = placed
    monkeypatch.setattr(PaymentsGateway, "charge_fee", lambda self, charge_id: None)
    _pay(intent_id, "4242424242424242")
    checkout_sync_payment(intent_id=intent_id)
    order = Order.objects.filter(checkout=checkout).order_by("pk").first()
    transfer_to_shop.apply(args=[order.pk], retries=transfer_to_shop.max_retries)  # its last try
    order.refresh_from_db()
    assert order.transfer_id and order.processing_fee_share is None
    assert PaymentRecord.objects.get(kind="transfer", stripe_id=order.transfer_id).amount == order.vendor_net
    assert "without its share of Stripe's fee" in caplog.text
