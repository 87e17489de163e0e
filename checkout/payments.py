"""Stripe PaymentIntents for checkouts: one intent per checkout, created once, reused on retry.

Stripe's idempotency keys make a retried create return the same intent, but
localstripe ignores them and the guarantee must be ours anyway: the intent id
is stored on the checkout (under a row lock) and reused from then on.
"""

import logging

import stripe
from django.db import transaction

from marketplace.accounts.models import User
from marketplace.money import to_minor_units
from marketplace.stripe_client import stripe_client

from .models import Checkout

logger = logging.getLogger(__name__)


class PaymentError(Exception):
    """Payment can't proceed; the message is for the shopper."""


def user_stripe_customer(*, user: User, client=None) -> str:
    """The user's Stripe Customer id, created once (row lock + idempotency key)."""
    client = client or stripe_client()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.stripe_customer_id:
            return locked.stripe_customer_id
        customer = client.v1.customers.create(
            params={
                "email": locked.email,
                "name": locked.name or locked.email,
                "metadata": {"user_id": str(locked.pk)},
            },
            options={"idempotency_key": f"user-{locked.pk}-customer"},
        )
        locked.stripe_customer_id = customer.id
        locked.save(update_fields=["stripe_customer_id"])
        return customer.id


def checkout_payment_intent(*, checkout: Checkout) -> tuple[str, str]:
    """(intent id, client secret) for paying this checkout; the secret goes to the browser only."""
    client = stripe_client()
    customer = user_stripe_customer(user=checkout.user, client=client) if checkout.user_id else None
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != Checkout.Status.AWAITING_PAYMENT:
            raise PaymentError("This checkout is no longer waiting for payment.")
        amount = to_minor_units(locked.total, locked.currency)
        try:
            if locked.payment_intent_id:
                intent = client.v1.payment_intents.retrieve(locked.payment_intent_id)
                # int(): localstripe echoes an updated amount back as a string; Stripe sends an integer.
                if int(intent.amount) != amount and intent.status == "requires_payment_method":
                    intent = client.v1.payment_intents.update(intent.id, params={"amount": amount})
                return intent.id, intent.client_secret
            params = {
                "amount": amount,
                "currency": locked.currency.lower(),
                "payment_method_types": ["card"],
                "metadata": {"checkout_id": str(locked.pk)},
            }
            if customer:
                params["customer"] = customer
            intent = client.v1.payment_intents.create(
                params=params, options={"idempotency_key": f"checkout-{locked.pk}-intent"}
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe refused an intent for checkout %s: %s", locked.pk, exc)
            raise PaymentError("We couldn't reach the payment service. Nothing was charged; try again.") from exc
        locked.payment_intent_id = intent.id
        locked.save(update_fields=["payment_intent_id"])
        return intent.id, intent.client_secret
