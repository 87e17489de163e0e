"""Placing a checkout: lock, re-check, reserve stock, one order per shop; release unpaid reservations.

Money is split by ``split_payment`` alone, so the amounts written here and the
invariant tested with hypothesis are the same arithmetic.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Product
from marketplace.accounts.address_rules import AddressInvalid, address_clean
from marketplace.cache_versions import catalogue_changed
from marketplace.money import allocate, fee, round_money
from marketplace.telemetry import telemetry_event
from orders.models import OrderItem
from orders.services import Line, order_create, orders_mark_expired

from .gateway import PaymentGatewayError, minimum_charge
from .models import Cart, CartItem, Checkout
from .services import purchase_problem, shop_shipping

logger = logging.getLogger(__name__)

RESERVATION = timedelta(minutes=30)


class CheckoutError(Exception):
    """The checkout can't be placed as it is; the message says what to change."""


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postcode: str
    country: str
    line2: str = ""

    def cleaned(self) -> "Address":
        """The same rule as the address book's (``address_rules.address_clean``): one validation for both."""
        try:
            return Address(**address_clean(**self.__dict__))
        except AddressInvalid as exc:
            raise CheckoutError(f"Check the shipping address: {exc}") from None


@dataclass(frozen=True)
class OrderSplit:
    platform_fee: Decimal
    vendor_net: Decimal
    processing_fee_share: Decimal


def split_payment(*, order_totals: list[Decimal], rate: Decimal, processing_fee: Decimal) -> list[OrderSplit]:
    """Each shop's platform fee (rate × its order, half-up to the cent), its net, and its share of
    the card processing fee (pro rata by order total, largest remainder so the shares add up)."""
    shares = allocate(processing_fee, order_totals) if processing_fee else [Decimal("0.00")] * len(order_totals)
    splits = []
    for total, share in zip(order_totals, shares, strict=True):
        platform_fee = fee(total, rate)
        splits.append(
            OrderSplit(platform_fee=platform_fee, vendor_net=total - platform_fee, processing_fee_share=share)
        )
    return splits


def _fingerprint(*, items: list[CartItem], email: str, address: Address) -> str:
    """What the shopper is buying, at what price, sent where: equal fingerprints are the same checkout."""
    lines = [[i.product_id, i.quantity, str(i.price_when_added)] for i in items]
    blob = json.dumps([lines, email.lower(), address.__dict__], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def checkout_place(*, cart: Cart, email: str, address: Address, user=None) -> Checkout:
    """Turn the cart into a checkout awaiting payment, with stock reserved for 30 minutes.

    At most one checkout per cart is open: placing again with the same cart and
    address returns it (double click, Back, a second tab); with anything changed,
    the open one is released (its stock returned, its intent cancelled) and
    replaced, in the same transaction, under a lock on the cart, so the
    shopper's own hold never counts against them. Products are locked (in id
    order, so two checkouts can't deadlock) and re-checked under the lock: the
    last unit goes to exactly one shopper.
    """
    address = address.cleaned()
    email = email.strip()
    if "@" not in email:
        raise CheckoutError("Give an email address for the receipt.")
    items = list(CartItem.objects.filter(cart=cart).select_related("product").order_by("product_id"))
    if not items:
        raise CheckoutError("Your cart is empty.")
    changed = [item for item in items if item.product.price != item.price_when_added]
    if changed:
        # The shopper agreed to other prices: show the new ones before taking money. Recording
        # that they have now been shown lets the next attempt go through.
        for item in changed:
            CartItem.objects.filter(pk=item.pk).update(price_when_added=item.product.price)
        names = ", ".join(item.product.title for item in changed)
        raise CheckoutError(f"Prices changed since you added {names}. Check your cart and place the order again.")

    released: list[int] = []
    with transaction.atomic():
        Cart.objects.select_for_update().get(pk=cart.pk)
        # Read the lines again under the cart's lock: a concurrent add may have changed them.
        items = list(CartItem.objects.filter(cart=cart).select_related("product").order_by("product_id"))
        if not items:
            raise CheckoutError("Your cart is empty.")
        fingerprint = _fingerprint(items=items, email=email, address=address)
        now = timezone.now()
        for open_checkout in Checkout.objects.select_for_update().filter(
            cart=cart, status=Checkout.Status.AWAITING_PAYMENT
        ):
            if open_checkout.fingerprint == fingerprint and open_checkout.expires_at > now:
                return open_checkout
            ended = Checkout.Status.EXPIRED if open_checkout.expires_at <= now else Checkout.Status.CANCELLED
            _checkout_release(open_checkout, status=ended)
            released.append(open_checkout.pk)
        checkout = _checkout_create(
            items=items, cart=cart, email=email, address=address, user=user, fingerprint=fingerprint
        )
        transaction.on_commit(catalogue_changed)  # stock moved: "in stock" filters may change
    for checkout_id in released:
        _intent_cancel_quietly(checkout_id)
    return checkout


def _checkout_create(*, items, cart, email, address, user, fingerprint) -> Checkout:
    """Lock, re-check and reserve; one order per shop. Caller holds the cart's lock, inside a transaction."""
    locked = {
        p.pk: p
        for p in Product.objects.select_for_update(of=("self",))
        .select_related("vendor")
        .filter(pk__in=[i.product_id for i in items])
        .order_by("pk")
    }
    problems = []
    for item in items:
        product = locked[item.product_id]
        if product.price != item.price_when_added:  # changed in the last instant: refuse, don't guess
            problems.append(f"{product.title}: the price just changed.")
            continue
        problem = purchase_problem(product=product, quantity=item.quantity)
        if problem:
            problems.append(f"{product.title}: {problem}")
    if problems:
        raise CheckoutError(" ".join(problems))

    by_shop: dict[int, list[tuple[Product, int]]] = {}
    for item in items:
        product = locked[item.product_id]
        by_shop.setdefault(product.vendor_id, []).append((product, item.quantity))
    shops = sorted(by_shop.items(), key=lambda kv: kv[0])
    subtotals = [sum((round_money(p.price * q) for p, q in lines), Decimal("0.00")) for _, lines in shops]
    shippings = [shop_shipping(vendor=lines[0][0].vendor, lines=lines) for _, lines in shops]
    totals = [s + h for s, h in zip(subtotals, shippings, strict=True)]
    total = sum(totals, Decimal("0.00"))
    currency = settings.MARKETPLACE_CURRENCY
    smallest = minimum_charge(currency)
    if total < smallest:
        raise CheckoutError(
            f"Card payments start at {smallest} {currency}; this order comes to {total}. Add something to it."
        )
    splits = split_payment(order_totals=totals, rate=settings.PLATFORM_FEE_RATE, processing_fee=Decimal("0"))

    checkout = Checkout.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        email=email,
        shipping_name=address.name,
        shipping_line1=address.line1,
        shipping_line2=address.line2,
        shipping_city=address.city,
        shipping_postcode=address.postcode,
        shipping_country=address.country,
        currency=currency,
        subtotal=sum(subtotals, Decimal("0.00")),
        shipping=sum(shippings, Decimal("0.00")),
        total=total,
        platform_fee=sum((s.platform_fee for s in splits), Decimal("0.00")),
        expires_at=timezone.now() + RESERVATION,
        cart=cart,
        fingerprint=fingerprint,
    )
    for (vendor_id, lines), subtotal, shipping, split in zip(shops, subtotals, shippings, splits, strict=True):
        order_create(
            checkout=checkout,
            vendor_id=vendor_id,
            lines=[Line(product=p, quantity=q, reserved=not p.made_to_order) for p, q in lines],
            subtotal=subtotal,
            shipping=shipping,
            platform_fee=split.platform_fee,
            vendor_net=split.vendor_net,
        )
        for product, quantity in lines:
            if not product.made_to_order:
                Product.objects.filter(pk=product.pk).update(stock_quantity=F("stock_quantity") - quantity)
    return checkout


def _checkout_release(checkout: Checkout, *, status: str) -> None:
    """Give an unpaid checkout's stock back and close it. Caller holds its row lock, inside a transaction."""
    for item in OrderItem.objects.filter(order__checkout=checkout, reserved=True).order_by("product_id"):
        Product.objects.filter(pk=item.product_id).update(stock_quantity=F("stock_quantity") + item.quantity)
    orders_mark_expired(checkout=checkout, note=f"hold released: checkout {status}")
    checkout.status = status
    checkout.save(update_fields=["status"])


def _intent_cancel_quietly(checkout_id: int) -> None:
    """Cancel a released checkout's intent now; if Stripe can't be reached, the periodic job retries."""
    from .payments import checkout_intent_cancel

    try:
        checkout_intent_cancel(checkout_id=checkout_id)
    except PaymentGatewayError as exc:
        logger.warning("Cancelling the intent of checkout %s failed; will retry: %s", checkout_id, exc)


def checkout_expire(*, checkout: Checkout, now=None) -> bool:
    """Release an unpaid checkout past its reservation: stock goes back, orders are marked expired,
    and its PaymentIntent is cancelled at Stripe so a 3-D Secure still in progress can't complete.

    Returns False (and changes nothing) if it was paid or already expired in the meantime.
    A payment that wins the race with the cancel is reconciled by ``checkout_sync_payment``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != Checkout.Status.AWAITING_PAYMENT or locked.expires_at > now:
            return False
        _checkout_release(locked, status=Checkout.Status.EXPIRED)
        transaction.on_commit(catalogue_changed)
        telemetry_event("checkout_abandoned", checkout_id=locked.pk, amount=locked.total, currency=locked.currency)
    if locked.payment_intent_id:
        _intent_cancel_quietly(locked.pk)
    return True


def checkouts_expire_due(*, now=None) -> int:
    """Every minute: release what is due, then retry the intent cancels that didn't go through."""
    from .payments import checkout_intents_cancel_due

    now = now or timezone.now()
    due = Checkout.objects.filter(status=Checkout.Status.AWAITING_PAYMENT, expires_at__lte=now).order_by("pk")
    expired = sum(1 for checkout in due if checkout_expire(checkout=checkout, now=now))
    checkout_intents_cancel_due()
    return expired
