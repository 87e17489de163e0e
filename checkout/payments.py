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
            if not customer:
                # Guests get a Customer of their own too: the card is checked when attached to it,
                # and Stripe's receipts and disputes have an email to go to.
                customer = client.v1.customers.create(
                    params={"email": locked.email, "name": locked.shipping_name},
                    options={"idempotency_key": f"checkout-{locked.pk}-customer"},
                ).id
            params = {
                "amount": amount,
                "currency": locked.currency.lower(),
                "payment_method_types": ["card"],
                "metadata": {"checkout_id": str(locked.pk)},
                "customer": customer,
            }
            intent = client.v1.payment_intents.create(
                params=params, options={"idempotency_key": f"checkout-{locked.pk}-intent"}
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe refused an intent for checkout %s: %s", locked.pk, exc)
            raise PaymentError("We couldn't reach the payment service. Nothing was charged; try again.") from exc
        locked.payment_intent_id = intent.id
        locked.save(update_fields=["payment_intent_id"])
        _record(locked, "intent", intent.id, amount=locked.total)
        return intent.id, intent.client_secret


def _record(checkout: Checkout, kind: str, stripe_id: str = "", amount=None, detail: str = "") -> None:
    from .models import PaymentRecord

    PaymentRecord.objects.create(checkout=checkout, kind=kind, stripe_id=stripe_id, amount=amount, detail=detail[:300])


def _checkout_for_intent(intent: dict) -> Checkout | None:
    """The checkout an intent pays for, locked. Waits for a checkout still being written (row lock)."""
    found = Checkout.objects.select_for_update().filter(payment_intent_id=intent["id"]).first()
    if found is None:
        checkout_id = (intent.get("metadata") or {}).get("checkout_id")
        if checkout_id and str(checkout_id).isdigit():
            found = Checkout.objects.select_for_update().filter(pk=int(checkout_id)).first()
    return found


def checkout_sync_payment(*, intent_id: str) -> Checkout | None:
    """Bring the checkout in line with its PaymentIntent as Stripe reports it now.

    Called by the webhook and by the confirmation page, in any order, any number
    of times: state only moves forward, and "paid" happens once.
    """
    from django.utils import timezone

    from orders.models import Order

    from .models import CartItem

    intent = stripe_client().v1.payment_intents.retrieve(intent_id).to_dict()
    with transaction.atomic():
        checkout = _checkout_for_intent(intent)
        if checkout is None:
            logger.warning("PaymentIntent %s matches no checkout", intent_id)
            return None
        if intent["status"] != "succeeded":
            if intent["status"] == "requires_payment_method" and intent.get("last_payment_error"):
                error = intent["last_payment_error"]
                _record(checkout, "failed", intent["id"], detail=str(error.get("message") or error.get("code") or ""))
            return checkout
        if checkout.status == Checkout.Status.PAID:
            return checkout
        amount = to_minor_units(checkout.total, checkout.currency)
        if int(intent["amount"]) != amount:
            logger.error(
                "PaymentIntent %s paid %s, checkout %s expects %s", intent["id"], intent["amount"], checkout.pk, amount
            )
            _record(checkout, "failed", intent["id"], detail="amount mismatch: not marked paid")
            return checkout
        # A payment that lands after the reservation expired still counts: the money is taken.
        checkout.status = Checkout.Status.PAID
        checkout.paid_at = timezone.now()
        charge = intent.get("latest_charge") or ""
        checkout.charge_id = charge.get("id", "") if isinstance(charge, dict) else str(charge)
        checkout.save(update_fields=["status", "paid_at", "charge_id"])
        Order.objects.filter(checkout=checkout).update(status=Order.Status.PAID, paid_at=checkout.paid_at)
        checkout_record_processing_fee(checkout=checkout)
        _record(checkout, "succeeded", checkout.charge_id or intent["id"], amount=checkout.total)
        if checkout.cart_id:
            sold = checkout.orders.values_list("items__product_id", flat=True)
            CartItem.objects.filter(cart_id=checkout.cart_id, product_id__in=list(sold)).delete()
        from . import followups

        followups.checkout_paid_followups_schedule(checkout=checkout)
    return checkout


def checkout_confirm_payment(*, checkout: Checkout, payment_method_id: str) -> dict:
    """Confirm the checkout's intent with a card the browser handed to Stripe.js.

    The card never reaches us: Stripe.js turns it into a token (``tok_…``) or a
    payment method (``pm_…``), which is attached to the checkout's Customer
    (the bank checks the card there) and then confirmed. Returns
    ``{"status": …, "client_secret": …, "message": …}``; ``requires_action``
    means the browser must run 3-D Secure (``stripe.confirmCardPayment``).
    """
    if not payment_method_id.startswith(("pm_", "tok_")):
        raise PaymentError("That card isn't valid. Enter it again.")
    intent_id, client_secret = checkout_payment_intent(checkout=checkout)
    client = stripe_client()
    try:
        customer = client.v1.payment_intents.retrieve(intent_id).customer
        if payment_method_id.startswith("tok_"):
            # A card saved on the Customer (card_…) pays a PaymentIntent like a payment method does.
            payment_method_id = client.v1.customers.payment_sources.create(
                customer, params={"source": payment_method_id}
            ).id
        else:
            client.v1.payment_methods.attach(payment_method_id, params={"customer": customer})
        client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method_id})
        intent = client.v1.payment_intents.confirm(intent_id)
    except stripe.CardError as exc:
        _record_failure(checkout, intent_id, exc.user_message or "declined")
        return {"status": "declined", "client_secret": client_secret, "message": exc.user_message or "Card declined."}
    except stripe.StripeError as exc:
        logger.warning("Confirming %s failed: %s", intent_id, exc)
        raise PaymentError("We couldn't reach the payment service. Nothing was charged; try again.") from exc
    return {"status": intent.status, "client_secret": client_secret, "message": ""}


def _record_failure(checkout: Checkout, intent_id: str, message: str) -> None:
    _record(checkout, "failed", intent_id, detail=message)


def _processing_fee(charge_id: str):
    """Stripe's fee on the charge, from its balance transaction; None when Stripe hasn't settled it yet."""
    from decimal import Decimal

    from marketplace.money import from_minor_units

    if not charge_id:
        return None
    client = stripe_client()
    try:
        charge = client.v1.charges.retrieve(charge_id).to_dict()
        txn = charge.get("balance_transaction")
        if isinstance(txn, str) and txn:
            txn = client.v1.balance_transactions.retrieve(txn).to_dict()
    except stripe.StripeError as exc:
        logger.warning("No balance transaction for %s yet: %s", charge_id, exc)
        return None
    if not isinstance(txn, dict) or txn.get("fee") is None:
        return None
    return from_minor_units(int(txn["fee"]), str(charge.get("currency") or "usd")) if txn["fee"] else Decimal("0.00")


def checkout_record_processing_fee(*, checkout: Checkout) -> None:
    """Share Stripe's fee among the shops pro rata (largest remainder), so every cent is accounted for.

    Caller holds the checkout's row lock. Without a fee yet (Stripe settles some
    charges later) nothing is written; each shop's transfer asks again before it
    goes out (``payouts.order_transfer``).
    """
    from django.conf import settings

    from orders.models import Order

    from .placement import split_payment

    fee_amount = _processing_fee(checkout.charge_id)
    if fee_amount is None:
        return
    orders = list(Order.objects.select_for_update().filter(checkout=checkout).order_by("pk"))
    splits = split_payment(
        order_totals=[o.total for o in orders], rate=settings.PLATFORM_FEE_RATE, processing_fee=fee_amount
    )
    for order, split in zip(orders, splits, strict=True):
        order.processing_fee_share = split.processing_fee_share
        order.save(update_fields=["processing_fee_share"])
    checkout.processing_fee = fee_amount
    checkout.save(update_fields=["processing_fee"])
