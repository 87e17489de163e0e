"""Paying a checkout: one PaymentIntent per checkout, confirmed by our server, reconciled with Stripe.

Every Stripe call goes through ``gateway.PaymentsGateway``. The intent id is
stored on the checkout under a row lock and reused from then on (Stripe's
idempotency keys give the same guarantee at Stripe; localstripe ignores them).

``checkout_sync_payment`` is the one place a payment's outcome is written,
called by the webhook and the confirmation page in any order, any number of
times. What it does when the intent succeeded depends on the checkout:

* awaiting payment → paid, once;
* already paid by this intent → nothing (a replay);
* expired or replaced (its hold ended, so its stock may have been sold since)
  → stock is taken again under lock, shop by shop: what can still be supplied is
  paid as normal, the rest is refunded at once and its orders cancelled;
* paid by another intent, or the amount doesn't match → the charge is refunded
  and an ``alert`` row tells staff.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Product
from marketplace.accounts.models import User
from marketplace.cache_versions import catalogue_changed
from marketplace.money import to_minor_units
from marketplace.telemetry import telemetry_event
from orders.models import Order, OrderItem
from orders.services import orders_mark_cancelled, orders_mark_paid

from .gateway import CardDeclined, Intent, PaymentGatewayError, PaymentsGateway, payments_gateway
from .models import CartItem, Checkout, PaymentRecord
from .services import purchase_problem

logger = logging.getLogger(__name__)

THROTTLE_WINDOW_SECONDS = 3600
AUTHENTICATION_FAILED = "Your bank's security check (3-D Secure) wasn't completed, so the card wasn't charged."
ENDED = (Checkout.Status.EXPIRED, Checkout.Status.CANCELLED)


class PaymentError(Exception):
    """Payment can't proceed; the message is for the shopper."""


class PaymentThrottled(PaymentError):
    """Too many declined cards from this checkout or this client: card testing is paused."""


def user_stripe_customer(*, user: User, gateway: PaymentsGateway | None = None) -> str:
    """The user's Stripe Customer id, created once (row lock + idempotency key)."""
    gateway = gateway or payments_gateway()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.stripe_customer_id:
            return locked.stripe_customer_id
        try:
            customer = gateway.customer_create(
                email=locked.email,
                name=locked.name or locked.email,
                metadata={"user_id": str(locked.pk)},
                idempotency_key=f"user-{locked.pk}-customer",
            )
        except PaymentGatewayError as exc:
            raise PaymentError(str(exc)) from exc
        locked.stripe_customer_id = customer
        locked.save(update_fields=["stripe_customer_id"])
        return customer


def checkout_payment_intent(*, checkout: Checkout) -> tuple[str, str]:
    """(intent id, client secret) for paying this checkout; the secret goes to the browser only.

    Refused once the checkout's hold has ended, even before the expiry job has run:
    a card is never taken for stock that is no longer held.
    """
    gateway = payments_gateway()
    customer = user_stripe_customer(user=checkout.user, gateway=gateway) if checkout.user_id else None
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != Checkout.Status.AWAITING_PAYMENT:
            raise PaymentError("This checkout is no longer waiting for payment.")
        if locked.expires_at <= timezone.now():
            raise PaymentError("This checkout expired before it was paid; its items went back on sale.")
        amount = to_minor_units(locked.total, locked.currency)
        try:
            if locked.payment_intent_id:
                intent = gateway.intent_retrieve(locked.payment_intent_id)
                if intent.amount_minor != amount and intent.status == "requires_payment_method":
                    intent = gateway.intent_set_amount(intent.id, amount_minor=amount)
                return intent.id, intent.client_secret
            if not customer:
                # Guests get a Customer of their own too: the card is checked when attached to it,
                # and Stripe's receipts and disputes have an email to go to.
                customer = gateway.customer_create(
                    email=locked.email,
                    name=locked.shipping_name,
                    metadata=None,
                    idempotency_key=f"checkout-{locked.pk}-customer",
                )
            intent = gateway.intent_create(
                amount_minor=amount,
                currency=locked.currency,
                customer=customer,
                checkout_ref=str(locked.pk),
                idempotency_key=f"checkout-{locked.pk}-intent",
            )
        except PaymentGatewayError as exc:
            raise PaymentError(str(exc)) from exc
        locked.payment_intent_id = intent.id
        locked.save(update_fields=["payment_intent_id"])
        _record(locked, PaymentRecord.Kind.INTENT, intent.id, amount=locked.total)
        return intent.id, intent.client_secret


def _record(checkout: Checkout, kind: str, stripe_id: str = "", amount=None, detail: str = "") -> PaymentRecord:
    return PaymentRecord.objects.create(
        checkout=checkout, kind=kind, stripe_id=stripe_id, amount=amount, detail=detail[:300]
    )


def _record_failure_once(checkout: Checkout, attempt: str, message: str) -> bool:
    """One ``failed`` row per attempt (per card tried), however often the decline is reported.

    Caller holds the checkout's row lock.
    """
    if PaymentRecord.objects.filter(checkout=checkout, kind=PaymentRecord.Kind.FAILED, stripe_id=attempt).exists():
        return False
    _record(checkout, PaymentRecord.Kind.FAILED, attempt, detail=message)
    telemetry_event("payment_failed", checkout_id=checkout.pk, amount=checkout.total, currency=checkout.currency)
    return True


# --- Card testing ---------------------------------------------------------------------


def _client_declines_key(client_key: str) -> str:
    return f"card-declines:{client_key}"


def _declines_allowed(*, checkout: Checkout, client_key: str) -> bool:
    limit = settings.CARD_DECLINES_PER_HOUR
    since = timezone.now() - timedelta(seconds=THROTTLE_WINDOW_SECONDS)
    on_checkout = PaymentRecord.objects.filter(
        checkout=checkout, kind=PaymentRecord.Kind.FAILED, created_at__gte=since
    ).count()
    from_client = cache.get(_client_declines_key(client_key), 0) if client_key else 0
    return on_checkout < limit and from_client < limit


def _count_client_decline(client_key: str) -> None:
    if not client_key:
        return
    key = _client_declines_key(client_key)
    cache.add(key, 0, timeout=THROTTLE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=THROTTLE_WINDOW_SECONDS)


def checkout_confirm_payment(*, checkout: Checkout, payment_method_id: str, client_key: str = "") -> dict:
    """Confirm the checkout's intent with a card the browser handed to Stripe.js.

    The card never reaches us: Stripe.js turns it into a token (``tok_…``) or a
    payment method (``pm_…``), which is attached to the checkout's Customer
    (the bank checks the card there) and then confirmed. Returns
    ``{"status": …, "client_secret": …, "message": …}``; ``requires_action``
    means the browser must run 3-D Secure (``stripe.confirmCardPayment``).

    ``client_key`` (the client's address) and the checkout each get
    ``CARD_DECLINES_PER_HOUR`` declines an hour; past that, ``PaymentThrottled``
    is raised before Stripe is asked, so a stolen-card list can't be tested here.
    """
    if not payment_method_id.startswith(("pm_", "tok_")):
        raise PaymentError("That card isn't valid. Enter it again.")
    if not _declines_allowed(checkout=checkout, client_key=client_key):
        raise PaymentThrottled(
            "Too many cards were declined for this order. Wait an hour, or ask your bank why the card was refused."
        )
    intent_id, client_secret = checkout_payment_intent(checkout=checkout)
    Checkout.objects.filter(pk=checkout.pk).update(payment_attempt=payment_method_id[:64])
    try:
        intent = payments_gateway().intent_confirm_with_card(intent_id, card_ref=payment_method_id)
    except CardDeclined as exc:
        with transaction.atomic():
            locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
            _record_failure_once(locked, payment_method_id, str(exc))
        _count_client_decline(client_key)
        return {"status": "declined", "client_secret": client_secret, "message": str(exc)}
    except PaymentGatewayError as exc:
        raise PaymentError(str(exc)) from exc
    if intent.status == "requires_payment_method" and intent.last_error:
        # Declined at the charge rather than at the attach: the same answer for the shopper.
        with transaction.atomic():
            locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
            _record_failure_once(locked, payment_method_id, intent.last_error.message)
        _count_client_decline(client_key)
        return {"status": "declined", "client_secret": client_secret, "message": intent.last_error.message}
    return {"status": intent.status, "client_secret": client_secret, "message": ""}


# --- Reconciling with Stripe ------------------------------------------------------------


def _checkout_for_intent(intent: Intent) -> Checkout | None:
    """The checkout an intent pays for, locked. Waits for a checkout still being written (row lock)."""
    found = Checkout.objects.select_for_update().filter(payment_intent_id=intent.id).first()
    if found is None and intent.checkout_ref.isdigit():
        found = Checkout.objects.select_for_update().filter(pk=int(intent.checkout_ref)).first()
    return found


def checkout_sync_payment(*, intent_id: str) -> Checkout | None:
    """Bring the checkout in line with its PaymentIntent as Stripe reports it now.

    Called by the webhook and by the confirmation page, in any order, any number
    of times: state only moves forward, and "paid" happens once. Raises
    ``PaymentGatewayError`` when Stripe can't be read or a needed refund can't be
    made; nothing is then written, and the caller tries again later.
    """
    gateway = payments_gateway()
    intent = gateway.intent_retrieve(intent_id)
    with transaction.atomic():
        checkout = _checkout_for_intent(intent)
        if checkout is None:
            logger.warning("PaymentIntent %s matches no checkout", intent_id)
            return None
        if not intent.succeeded:
            if intent.status == "requires_payment_method" and intent.last_error:
                attempt = checkout.payment_attempt or intent.last_error.attempt or intent.id
                error = intent.last_error
                _record_failure_once(
                    checkout, attempt, AUTHENTICATION_FAILED if error.authentication_failed else error.message
                )
            return checkout
        if checkout.payment_intent_id and checkout.payment_intent_id != intent.id:
            _refund_stray(checkout, intent, gateway, why="a second payment for a checkout paid by another intent")
            return checkout
        if checkout.status in (Checkout.Status.PAID, Checkout.Status.REFUNDED):
            return checkout  # already done: a replay, or the page and the webhook racing
        expected = to_minor_units(checkout.total, checkout.currency)
        if intent.amount_minor != expected or intent.currency != checkout.currency.upper():
            logger.error(
                "PaymentIntent %s paid %s %s, checkout %s expects %s",
                intent.id, intent.amount_minor, intent.currency, checkout.pk, expected,
            )  # fmt: skip
            _refund_stray(checkout, intent, gateway, why=f"amount mismatch: paid {intent.amount_minor}, due {expected}")
            return checkout
        if checkout.status in ENDED:
            _checkout_paid_late(checkout, intent, gateway)
        else:
            _checkout_paid(checkout, intent, orders=list(checkout.orders.all()))
    return checkout


def _refund_stray(checkout: Checkout, intent: Intent, gateway: PaymentsGateway, *, why: str) -> None:
    """Money we can't match to what was ordered goes back in full, once, with an alert for staff."""
    if PaymentRecord.objects.filter(checkout=checkout, kind=PaymentRecord.Kind.ALERT, stripe_id=intent.id).exists():
        return
    refund = gateway.refund_create(
        intent_id=intent.id,
        amount_minor=intent.amount_minor,
        idempotency_key=f"intent-{intent.id}-stray-refund",
        metadata={"checkout_id": str(checkout.pk)},
    )
    _record(checkout, PaymentRecord.Kind.ALERT, intent.id, detail=f"{why}; refunded in full")
    _record(checkout, PaymentRecord.Kind.REFUND, refund.id, amount=refund.amount(), detail=why)


def _checkout_paid(checkout: Checkout, intent: Intent, *, orders: list[Order]) -> None:
    """Mark the checkout and ``orders`` paid and start what follows. Caller holds the checkout's lock."""
    from . import followups

    checkout.status = Checkout.Status.PAID if orders else Checkout.Status.REFUNDED
    checkout.paid_at = timezone.now()
    checkout.charge_id = intent.charge_id
    checkout.payment_intent_id = intent.id
    checkout.save(update_fields=["status", "paid_at", "charge_id", "payment_intent_id"])
    orders_mark_paid(orders=orders, at=checkout.paid_at, charge_id=checkout.charge_id)
    if orders:
        checkout_record_processing_fee(checkout=checkout)
    _record(checkout, PaymentRecord.Kind.SUCCEEDED, checkout.charge_id or intent.id, amount=checkout.total)
    telemetry_event("payment_succeeded", checkout_id=checkout.pk, amount=checkout.total, currency=checkout.currency)
    if checkout.cart_id:
        sold = OrderItem.objects.filter(order__in=orders).values_list("product_id", flat=True)
        CartItem.objects.filter(cart_id=checkout.cart_id, product_id__in=list(sold)).delete()
    # The work that follows (transfers, receipt, shop emails) is written in this transaction and
    # completed by a periodic job if the broker is down: nothing is lost between here and the worker.
    followups.checkout_paid_followups_schedule(checkout=checkout)


def _checkout_paid_late(checkout: Checkout, intent: Intent, gateway: PaymentsGateway) -> None:
    """A payment that succeeded after the checkout's hold ended (expired, or replaced by a newer checkout).

    Its stock went back on sale, so it is taken again under lock, shop by shop:
    a shop's order is paid as normal if every line can still be supplied; otherwise
    it is cancelled and its total refunded (one refund for all such orders). Never a
    paid order without stock behind it. Caller holds the checkout's lock.
    """
    orders = list(
        Order.objects.select_for_update(of=("self",)).select_related("vendor").filter(checkout=checkout).order_by("pk")
    )
    items = list(OrderItem.objects.filter(order__in=orders).order_by("product_id"))
    products = {
        p.pk: p
        for p in Product.objects.select_for_update(of=("self",))
        .select_related("vendor")
        .filter(pk__in={i.product_id for i in items})
        .order_by("pk")
    }
    keep, drop = [], []
    for order in orders:
        lines = [i for i in items if i.order_id == order.pk]
        problems = [purchase_problem(product=products[i.product_id], quantity=i.quantity) for i in lines]
        (drop if any(problems) else keep).append(order)
    for item in items:
        if item.reserved and any(item.order_id == o.pk for o in keep):
            Product.objects.filter(pk=item.product_id).update(stock_quantity=F("stock_quantity") - item.quantity)
    refund_total = sum((o.total for o in drop), Decimal("0.00"))
    if drop:
        refund = gateway.refund_create(
            intent_id=intent.id,
            amount_minor=to_minor_units(refund_total, checkout.currency),
            idempotency_key=f"checkout-{checkout.pk}-late-refund",
            metadata={"checkout_id": str(checkout.pk)},
        )
        orders_mark_cancelled(orders=drop, note="paid after its hold ended; no longer available: refunded")
        shops = ", ".join(sorted(o.vendor.name for o in drop))
        _record(
            checkout, PaymentRecord.Kind.REFUND, refund.id, amount=refund_total,
            detail=f"paid after its hold ended; no longer available from {shops}",
        )  # fmt: skip
    was = checkout.get_status_display().lower()
    _record(
        checkout, PaymentRecord.Kind.ALERT, intent.id,
        detail=f"paid late ({was}): {len(keep)} order(s) kept, {len(drop)} cancelled and refunded",
    )  # fmt: skip
    _checkout_paid(checkout, intent, orders=keep)
    transaction.on_commit(catalogue_changed)


def checkout_intent_cancel(*, checkout_id: int) -> None:
    """Cancel the intent of a checkout whose hold ended, so a late 3-D Secure can't complete.

    If the payment landed first, Stripe refuses the cancel and the late payment is
    reconciled instead (``checkout_sync_payment``). Once per checkout.
    """
    checkout = Checkout.objects.get(pk=checkout_id)
    if checkout.status not in ENDED or not checkout.payment_intent_id:
        return
    if checkout.payment_records.filter(kind=PaymentRecord.Kind.CANCELLED).exists():
        return
    intent = payments_gateway().intent_cancel(checkout.payment_intent_id)
    if intent.status == "canceled":
        with transaction.atomic():
            locked = Checkout.objects.select_for_update().get(pk=checkout_id)
            if not locked.payment_records.filter(kind=PaymentRecord.Kind.CANCELLED).exists():
                _record(locked, PaymentRecord.Kind.CANCELLED, intent.id, detail=f"hold ended ({locked.status})")
    elif intent.succeeded:
        checkout_sync_payment(intent_id=intent.id)


def checkout_intents_cancel_due(*, limit: int = 200) -> int:
    """Retry the cancels that didn't happen when their checkouts ended (Stripe unreachable, a crash)."""
    due = (
        Checkout.objects.filter(status__in=ENDED, payment_intent_id__isnull=False)
        .exclude(payment_records__kind=PaymentRecord.Kind.CANCELLED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for checkout_id in due:
        try:
            checkout_intent_cancel(checkout_id=checkout_id)
            done += 1
        except PaymentGatewayError as exc:
            logger.warning("Could not cancel the intent of checkout %s yet: %s", checkout_id, exc)
    return done


# --- Fees -------------------------------------------------------------------------


def checkout_record_processing_fee(*, checkout: Checkout) -> None:
    """Share Stripe's fee among the shops pro rata (largest remainder), so every cent is accounted for.

    Caller holds the checkout's row lock. Without a fee yet (Stripe settles some
    charges later) nothing is written; each shop's transfer asks again before it
    goes out (``payouts.order_transfer``).
    """
    from .placement import split_payment

    fee_amount = payments_gateway().charge_fee(checkout.charge_id)
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
