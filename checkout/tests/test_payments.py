"""PaymentIntents against a real localstripe process."""

from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.payments import PaymentError, checkout_payment_intent, user_stripe_customer
from checkout.placement import Address, checkout_place
from checkout.services import cart_add
from marketplace.stripe_client import stripe_client

pytestmark = pytest.mark.django_db

ADDRESS = Address(name="Sasha", line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")


@pytest.fixture
def checkout(shopper, vendor_a, vendor_b, localstripe):
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("20.00")), quantity=2)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_b, price=Decimal("35.50")))
    return checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)


def test_one_intent_per_checkout_for_the_total_in_cents(checkout, shopper):
    intent_id, secret = checkout_payment_intent(checkout=checkout)
    assert intent_id.startswith("pi_") and secret.startswith(intent_id)
    intent = stripe_client().v1.payment_intents.retrieve(intent_id)
    assert (intent.amount, intent.currency) == (8450, "usd")  # 75.50 + 4.50 + 4.50 shipping
    assert intent.metadata["checkout_id"] == str(checkout.pk)
    shopper.refresh_from_db()
    assert intent.customer == shopper.stripe_customer_id

    # A retry (double click, network error) gets the same intent, never a second charge.
    again, _ = checkout_payment_intent(checkout=checkout)
    assert again == intent_id
    checkout.refresh_from_db()
    assert checkout.payment_intent_id == intent_id


def test_the_customer_is_created_once(shopper, localstripe):
    first = user_stripe_customer(user=shopper)
    assert first.startswith("cus_")
    assert user_stripe_customer(user=shopper) == first


def test_the_intent_follows_a_changed_total(checkout):
    intent_id, _ = checkout_payment_intent(checkout=checkout)
    Checkout.objects.filter(pk=checkout.pk).update(total=Decimal("90.00"))
    checkout.refresh_from_db()
    same, _ = checkout_payment_intent(checkout=checkout)
    assert same == intent_id
    assert int(stripe_client().v1.payment_intents.retrieve(intent_id).amount) == 9000  # localstripe: a string


def test_no_intent_for_a_checkout_that_expired(checkout):
    Checkout.objects.filter(pk=checkout.pk).update(status=Checkout.Status.EXPIRED)
    with pytest.raises(PaymentError, match="no longer waiting"):
        checkout_payment_intent(checkout=checkout)


def test_stripe_unreachable_is_a_clear_message_and_nothing_is_stored(checkout, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:1"
    checkout.user = None  # skip the customer call, to reach the intent call
    with pytest.raises(PaymentError, match="Nothing was charged"):
        checkout_payment_intent(checkout=checkout)
    checkout.refresh_from_db()
    assert checkout.payment_intent_id is None
