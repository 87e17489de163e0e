"""An order's life, in one place: creation, the allowed moves between states, and what each move does.

``TRANSITIONS`` is the whole state machine. Every change of status goes through
``order_transition`` (row lock, check against the table, status-history row),
wrapped by one service per move. Checkout calls ``order_create`` and the
``orders_mark_*`` services; shops and staff call the fulfilment services.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.emails import email_enqueue, render_email
from marketplace.money import round_money
from marketplace.notifications import notify
from marketplace.telemetry import telemetry_event
from marketplace.templatetags.site_tags import money

from .ledger import ledger_order_paid
from .models import Order, OrderItem, OrderStatusChange, order_number_new

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.EXPIRED, S.CANCELLED}),
    S.PAID: frozenset({S.PROCESSING, S.SHIPPED, S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED, S.PARTIALLY_REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PROCESSING, S.SHIPPED, S.DELIVERED, S.REFUNDED, S.PARTIALLY_REFUNDED}),
    # A payment that lands after the hold ended: paid if the stock is still there, else cancelled and refunded.
    S.EXPIRED: frozenset({S.PAID, S.CANCELLED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

# What a shop may do from its order page, by the order's status (the rest is the system's or staff's).
SHOP_ACTIONS: dict[str, tuple[str, ...]] = {
    S.PAID: (S.PROCESSING, S.SHIPPED),
    S.PROCESSING: (S.SHIPPED,),
    S.SHIPPED: (S.DELIVERED,),
    S.PARTIALLY_REFUNDED: (S.PROCESSING, S.SHIPPED, S.DELIVERED),
}


class OrderError(Exception):
    """A refused order action; ``str(error)`` is for the person, ``code`` for API clients."""

    code = "order_refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class IllegalTransition(OrderError):
    code = "illegal_transition"


@dataclass(frozen=True)
class Line:
    product: object
    quantity: int
    reserved: bool


def order_create(
    *,
    checkout,
    vendor_id: int,
    lines: list[Line],
    subtotal: Decimal,
    shipping: Decimal,
    platform_fee: Decimal,
    vendor_net: Decimal,
) -> Order:
    """One shop's order of a checkout, with its lines copied as sold. Caller is inside a transaction.

    The order number is random; a clash with an existing one (rare) is retried in a savepoint.
    """
    for attempt in range(5):
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=order_number_new(),
                    checkout=checkout,
                    vendor_id=vendor_id,
                    currency=checkout.currency,
                    subtotal=subtotal,
                    shipping=shipping,
                    total=subtotal + shipping,
                    platform_fee=platform_fee,
                    vendor_net=vendor_net,
                )
            break
        except IntegrityError:
            if attempt == 4:
                raise
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=line.product,
            title=line.product.title,
            unit_price=line.product.price,
            quantity=line.quantity,
            line_total=round_money(line.product.price * line.quantity),
            reserved=line.reserved,
        )
        for line in lines
    )
    telemetry_event(
        "order_created",
        order_id=order.pk,
        shop_id=vendor_id,
        amount=order.total,
        currency=order.currency,
        items=sum(line.quantity for line in lines),
    )
    return order


def order_transition(*, order: Order, to: str, by=None, note: str = "", **fields) -> Order:
    """Move ``order`` to ``to`` if the table allows it, with ``fields`` set, and write the history row.

    Locks the order row (inside the caller's transaction, or its own). Raises
    ``IllegalTransition`` when the move isn't allowed from the order's current status.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if to not in TRANSITIONS.get(locked.status, frozenset()):
            raise IllegalTransition(
                f"Order {locked.number} is {locked.get_status_display().lower()}; "
                f"it can't be marked {S(to).label.lower()}."
            )
        from_status = locked.status
        locked.status = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *fields])
        OrderStatusChange.objects.create(order=locked, from_status=from_status, to_status=to, by=by, note=note[:300])
    for name in ("status", *fields):
        setattr(order, name, getattr(locked, name))
    return locked


# --- Moves made by the system (checkout) -----------------------------------------------


def orders_mark_paid(*, orders: list[Order], at, charge_id: str = "") -> None:
    """Paid: each order's sale and platform fee go into the ledger in the same transaction; the shop is told."""
    with transaction.atomic():
        for order in orders:
            order_transition(order=order, to=S.PAID, paid_at=at, note="payment received")
            ledger_order_paid(order=order, charge_id=charge_id)
            _notify_shop_paid(order)


def _notify_shop_paid(order: Order) -> None:
    """The shop's bell: a new paid order (after commit, with the payment)."""
    order = Order.objects.select_related("vendor__owner").get(pk=order.pk)
    notify(
        user=order.vendor.owner,
        kind="order_paid",
        text=f"New order {order.number}: {money(order.total, order.currency)} paid.",
        url=reverse("orders_shop:order", args=[order.number]),
    )


def orders_mark_expired(*, checkout, note: str) -> None:
    for order in Order.objects.filter(checkout=checkout, status=S.PENDING_PAYMENT).order_by("pk"):
        order_transition(order=order, to=S.EXPIRED, note=note)


def orders_mark_cancelled(*, orders: list[Order], note: str, by=None) -> None:
    now = timezone.now()
    for order in orders:
        order_transition(order=order, to=S.CANCELLED, by=by, note=note, cancelled_at=now)


# --- Fulfilment, by the shop (or staff) --------------------------------------------------


def order_mark_processing(*, order: Order, by, note: str = "") -> Order:
    return order_transition(order=order, to=S.PROCESSING, by=by, note=note)


def order_mark_shipped(*, order: Order, by, carrier: str, tracking_number: str, note: str = "") -> Order:
    """Shipped, with the carrier and tracking number the shopper needs to follow the parcel."""
    carrier = " ".join((carrier or "").split())
    tracking_number = "".join((tracking_number or "").split())
    if not carrier or not tracking_number:
        raise OrderError("Give the carrier and the tracking number.", code="tracking_required")
    if len(carrier) > 60 or len(tracking_number) > 100:
        raise OrderError("The carrier or tracking number is too long.", code="tracking_too_long")
    order = order_transition(
        order=order, to=S.SHIPPED, by=by, note=note,
        carrier=carrier, tracking_number=tracking_number, shipped_at=timezone.now(),
    )  # fmt: skip
    _email_shopper(order, "orders/email/shipped")
    _notify_shopper(order, "order_shipped", "has shipped: tracking number {tracking}.")
    return order


def order_mark_delivered(*, order: Order, by, note: str = "") -> Order:
    order = order_transition(order=order, to=S.DELIVERED, by=by, note=note, delivered_at=timezone.now())
    _email_shopper(order, "orders/email/delivered")
    _notify_shopper(order, "order_delivered", "was delivered.")
    return order


def order_shop_action(*, order: Order, by, action: str, carrier: str = "", tracking_number: str = "", note: str = ""):
    """The one entry for a shop's (or staff's) status change, from a form or the API."""
    if action == S.PROCESSING:
        return order_mark_processing(order=order, by=by, note=note)
    if action == S.SHIPPED:
        return order_mark_shipped(order=order, by=by, carrier=carrier, tracking_number=tracking_number, note=note)
    if action == S.DELIVERED:
        return order_mark_delivered(order=order, by=by, note=note)
    raise OrderError("Shops can mark an order processing, shipped or delivered.", code="unsupported_status")


def _email_shopper(order: Order, template: str) -> None:
    """After commit, once per move (a move happens once: the table refuses a repeat)."""
    order = Order.objects.select_related("checkout", "vendor").prefetch_related("items").get(pk=order.pk)
    context = {"order": order, "checkout": order.checkout, "site_url": settings.SITE_URL}
    subject, text, html = render_email(template, context)
    email_enqueue(to=[order.checkout.email], subject=subject, text=text, html=html)


def _notify_shopper(order: Order, kind: str, what: str) -> None:
    """The shopper's bell (an account's; guests have the emails only), after commit."""
    order = Order.objects.select_related("checkout__user", "vendor").get(pk=order.pk)
    notify(
        user=order.checkout.user,
        kind=kind,
        text=f"Order {order.number} from {order.vendor.name} " + what.format(tracking=order.tracking_number),
        url=reverse("orders:mine", args=[order.number]),
    )
