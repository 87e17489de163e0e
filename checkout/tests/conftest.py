"""Checkout fixtures: a placed checkout, paying it on localstripe, delivering signed webhooks."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.placement import Address, checkout_place
from checkout.services import cart_add
from marketplace.stripe_client import stripe_client

WEBHOOK_SECRET = "whsec_test_payments"
ADDRESS = Address(name="Sasha Shopper", line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


@pytest.fixture
def placed_checkout(shopper, vendor_a, vendor_b, localstripe, webhook_secret) -> Checkout:
    """The shopper's checkout of a mug (Kiln & Co, 2 × 20.00) and a scarf (Loom Works, 35.50), intent created."""
    from checkout.payments import checkout_payment_intent

    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("20.00"), title="Mug"), quantity=2)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_b, price=Decimal("35.50"), title="Scarf"))
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)
    checkout_payment_intent(checkout=checkout)
    checkout.refresh_from_db()
    return checkout


def card_pay(checkout: Checkout, card: str = "4242424242424242"):
    """What the pay page does (Stripe.js makes a payment method, our server confirms); the settled intent."""
    from checkout.payments import checkout_confirm_payment

    client = stripe_client()
    pm = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    checkout_confirm_payment(checkout=checkout, payment_method_id=pm.id)
    for _ in range(50):  # localstripe settles charges asynchronously
        intent = client.v1.payment_intents.retrieve(checkout.payment_intent_id)
        if intent.status not in ("processing", "requires_confirmation"):
            return intent
        time.sleep(0.1)
    return intent


def signed(event: dict, *, at: int | None = None, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    at = at or int(time.time())
    signature = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={at},v1={signature}"


def deliver(client, event: dict, *, path: str = "/api/payments/webhook", **kwargs):
    """POST a signed event to a webhook endpoint with Django's test client."""
    payload, signature = signed(event, **kwargs)
    return client.post(path, payload, content_type="application/json", headers={"Stripe-Signature": signature})


def event(kind: str, obj: dict, event_id: str = "evt_1", **extra) -> dict:
    return {"id": event_id, "type": kind, "livemode": False, "data": {"object": obj}, **extra}
