"""Refunds of a shop's order: by the shop, by staff, by the shopper cancelling, or made in Stripe's dashboard.

A refund goes in three steps:

1. under the order's row lock, the amount is checked against what is left to refund (the order's
   total less every refund not failed, pending ones included) and a ``pending`` ``OrderRefund`` is
   written and committed: a second click waits for the lock, then sees the money on its way;
2. Stripe is asked for a Refund on the checkout's payment, with an idempotency key per refund row;
3. under the lock again (``order_refund_settle``): the refund is marked done, the ledger written,
   unshipped stock returned, the order moved to refunded / partially refunded / cancelled, and the
   shop's share taken back.

**The money rule.** Of a refund of R on an order of total T with platform fee P, the platform
returns its fee pro rata: ``round(P × refunded so far / T)`` less what earlier refunds returned (so
a full refund returns exactly P); the rest, R less that fee, is the refunded part of the shop's net,
taken back from the shop by a Connect transfer reversal of the order's transfer. Stripe keeps its
processing fee on a refund, and so the shop's share of it stays with the shop. If the transfer
hasn't gone out yet, nothing is reversed: the ledger entries make the transfer smaller. If Stripe
refuses the reversal (the shop's balance was already paid out), or the transfer is smaller than
the shop's share, the shop's ledger balance goes negative and its next transfers are reduced by it.
"""

import logging
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product
from marketplace.cache_versions import catalogue_changed
from marketplace.emails import email_enqueue, render_email
from marketplace.money import allocate, from_minor_units, round_money, to_minor_units
from marketplace.notifications import notify
from marketplace.payments_gateway import PaymentGatewayError, payments_gateway
from marketplace.templatetags.site_tags import money
from vendors.connect import ConnectError, connect_gateway
from vendors.models import Vendor

from . import ledger
from .models import Order, OrderItem, OrderRefund
from .services import TRANSITIONS, OrderError, order_transition

logger = logging.getLogger(__name__)

S = Order.Status
ZERO = Decimal("0.00")
# Orders with money on them that can still go back.
REFUNDABLE = (S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED, S.PARTIALLY_REFUNDED)
# Not shipped yet: the shopper may cancel (the shop's part of the checkout is refunded in full).
CANCELLABLE = (S.PAID, S.PROCESSING)


class RefundError(OrderError):
    code = "refund_refused"


def refund_key_new() -> str:
    """The key a refund form carries: a double click posts the same one and gets the same refund."""
    return secrets.token_urlsafe(16)


def _taken(order: Order) -> Decimal:
    """Refunded or on its way back (pending), never the failed ones."""
    return order.refunds.exclude(status=OrderRefund.Status.FAILED).aggregate(s=Sum("amount"))["s"] or ZERO


def order_refundable(*, order: Order) -> Decimal:
    """What is left to refund of the shop's order."""
    if order.status not in REFUNDABLE:
        return ZERO
    return max(ZERO, order.total - _taken(order))


def refunded_quantities(*, order: Order) -> dict[int, int]:
    taken: dict[int, int] = {}
    for refund in order.refunds.exclude(status=OrderRefund.Status.FAILED):
        for line in refund.items:
            taken[line["item"]] = taken.get(line["item"], 0) + line["quantity"]
    return taken


def _lines_chosen(order: Order, items: dict[int, int]) -> tuple[Decimal, list[dict]]:
    """The amount and lines of a refund of chosen items (``{OrderItem pk: quantity}``)."""
    lines = {item.pk: item for item in OrderItem.objects.filter(order=order)}
    taken = refunded_quantities(order=order)
    amount, chosen = ZERO, []
    for item_id, quantity in sorted(items.items()):
        if not quantity:
            continue
        item = lines.get(item_id)
        if item is None:
            raise RefundError("That item isn't part of this order.", code="unknown_item")
        left = item.quantity - taken.get(item_id, 0)
        if quantity < 0 or quantity > left:
            raise RefundError(f"Only {left} × {item.title} can still be refunded.", code="too_many_items")
        amount += round_money(item.unit_price * quantity)
        chosen.append({"item": item_id, "quantity": quantity})
    if not chosen:
        raise RefundError("Choose the items to refund.", code="no_items")
    return amount, chosen


def _lines_left(order: Order) -> list[dict]:
    taken = refunded_quantities(order=order)
    return [
        {"item": item.pk, "quantity": item.quantity - taken.get(item.pk, 0)}
        for item in OrderItem.objects.filter(order=order).order_by("pk")
        if item.quantity > taken.get(item.pk, 0)
    ]


def order_refund(
    *,
    order: Order,
    by,
    request_key: str,
    amount: Decimal | None = None,
    items: dict[int, int] | None = None,
    reason: str = "",
    cancel: bool = False,
) -> OrderRefund:
    """Refund ``order`` in full (no ``amount`` nor ``items``), chosen ``items`` or an ``amount``.

    The caller has checked that ``by`` may (the shop's owner, staff, or the shopper cancelling).
    Raises ``RefundError`` (an ``OrderError``) for a refusal, with a message for the person.
    A repeat of the same ``request_key`` returns the first refund (``repeated`` set) and refunds nothing more.
    """
    if not request_key or len(request_key) > 64:
        raise RefundError("This form has expired; reload the page and try again.", code="bad_request_key")
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("checkout").get(pk=order.pk)
        existing = OrderRefund.objects.filter(order=locked, request_key=request_key).first()
        if existing is not None:
            existing.repeated = True  # for callers that report or log once (the staff dashboard)
            return existing
        if cancel and locked.status not in CANCELLABLE:
            raise RefundError(
                f"Order {locked.number} has shipped, so it can't be cancelled any more. Ask the shop for a refund.",
                code="already_shipped",
            )
        if locked.status not in REFUNDABLE:
            raise RefundError(
                f"Order {locked.number} is {locked.get_status_display().lower()}; it can't be refunded.",
                code="not_refundable",
            )
        if not locked.checkout.payment_intent_id:
            raise RefundError("This order has no card payment to refund.", code="no_payment")
        left = order_refundable(order=locked)
        if items:
            amount, lines = _lines_chosen(locked, items)
        elif amount is None:
            amount, lines = left, _lines_left(locked)
        else:
            amount, lines = round_money(amount), []
        if left <= 0:
            raise RefundError(f"Order {locked.number} has been refunded in full already.", code="nothing_left")
        if amount <= 0:
            raise RefundError("Give an amount to refund above zero.", code="amount_not_positive")
        if amount > left:
            money = f"{left} {locked.currency}"
            raise RefundError(f"At most {money} of this order can still be refunded.", code="amount_over_limit")
        refund = OrderRefund.objects.create(
            order=locked, amount=amount, items=lines, reason=" ".join(reason.split())[:300], by=by,
            request_key=request_key,
        )  # fmt: skip
    try:
        stripe_refund = payments_gateway().refund_create(
            intent_id=locked.checkout.payment_intent_id,
            amount_minor=to_minor_units(amount, locked.currency),
            idempotency_key=f"order-refund-{refund.pk}",
            metadata={"order_refund": str(refund.pk), "order": locked.number},
        )
    except PaymentGatewayError as exc:
        OrderRefund.objects.filter(pk=refund.pk, status=OrderRefund.Status.PENDING).update(
            status=OrderRefund.Status.FAILED, failure=(exc.detail or str(exc))[:300]
        )
        raise RefundError(
            "We couldn't reach the payment service, so nothing was refunded. Try again.", code="stripe_unavailable"
        ) from exc
    if stripe_refund.status in ("failed", "canceled"):
        OrderRefund.objects.filter(pk=refund.pk).update(
            status=OrderRefund.Status.FAILED, stripe_refund_id=stripe_refund.id, failure=stripe_refund.failure_reason
        )
        raise RefundError("The card's bank refused the refund.", code="refund_failed")
    return order_refund_settle(refund_id=refund.pk, stripe_refund_id=stripe_refund.id, cancel=cancel)


def order_cancel(*, order: Order, by, request_key: str, reason: str = "") -> OrderRefund:
    """Cancel an order that hasn't shipped: its whole amount goes back and the order is cancelled."""
    return order_refund(order=order, by=by, request_key=request_key, reason=reason or "cancelled", cancel=True)


def order_refund_settle(*, refund_id: int, stripe_refund_id: str, cancel: bool = False) -> OrderRefund:
    """Stripe made the refund: write the ledger, return stock, move the order, take the shop's share back.

    Idempotent: a settled refund is returned as it is (the webhook may report our refund too).
    """
    with transaction.atomic():
        refund = OrderRefund.objects.select_related("order").get(pk=refund_id)
        order = Order.objects.select_for_update().select_related("vendor", "checkout").get(pk=refund.order_id)
        refund = OrderRefund.objects.select_for_update().get(pk=refund_id)
        if refund.status == OrderRefund.Status.SUCCEEDED:
            return refund
        refund.order = order
        refund.status = OrderRefund.Status.SUCCEEDED
        refund.stripe_refund_id = stripe_refund_id
        refund.platform_fee_returned = _fee_returned(order, refund)
        refund.save(update_fields=["status", "stripe_refund_id", "platform_fee_returned"])
        ledger.ledger_refund(refund=refund)
        _stock_return(order, refund)
        _order_move(order, refund, cancel=cancel)
        _shop_share_back(order, refund)
        if refund.dispute_id is None:  # a lost dispute: the buyer's bank already gave the money back
            _tell_shopper(order, refund, cancelled=order.status == S.CANCELLED)
    return refund


def _tell_shopper(order: Order, refund: OrderRefund, *, cancelled: bool) -> None:
    """The buyer's email (and bell) for a settled refund: once, since a refund settles once. After commit."""
    checkout = order.checkout
    context = {"order": order, "refund": refund, "checkout": checkout, "cancelled": cancelled,
               "site_url": settings.SITE_URL}  # fmt: skip
    subject, text, html = render_email("orders/email/refunded", context)
    email_enqueue(to=[checkout.email], subject=subject, text=text, html=html)
    what = "cancelled and refunded" if cancelled else f"refunded {money(refund.amount, order.currency)}"
    notify(
        user=checkout.user,
        kind="order_refunded",
        text=f"Order {order.number} from {order.vendor.name}: {what}.",
        url=reverse("orders:mine", args=[order.number]),
    )


def _fee_returned(order: Order, refund: OrderRefund) -> Decimal:
    """The platform fee this refund returns: pro rata of everything refunded so far, less earlier returns."""
    done = order.refunds.filter(status=OrderRefund.Status.SUCCEEDED).exclude(pk=refund.pk)
    refunded = (done.aggregate(s=Sum("amount"))["s"] or ZERO) + refund.amount
    returned = done.aggregate(s=Sum("platform_fee_returned"))["s"] or ZERO
    if not order.total:
        return ZERO
    due = round_money(order.platform_fee * min(refunded, order.total) / order.total)
    return max(ZERO, min(due - returned, refund.amount))


def _stock_return(order: Order, refund: OrderRefund) -> None:
    """Refunded items that never left the workshop go back on sale (made-to-order ones held no stock)."""
    if order.shipped_at is not None or not refund.items:
        return
    reserved = dict(OrderItem.objects.filter(order=order, reserved=True).values_list("pk", "product_id"))
    returned = False
    for line in refund.items:
        if line["item"] in reserved:
            Product.objects.filter(pk=reserved[line["item"]]).update(
                stock_quantity=F("stock_quantity") + line["quantity"]
            )
            returned = True
    if returned:
        transaction.on_commit(catalogue_changed)


def _order_move(order: Order, refund: OrderRefund, *, cancel: bool) -> None:
    refunded = order.refunds.filter(status=OrderRefund.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"] or ZERO
    note = f"refunded {refund.amount} {order.currency}" + (f": {refund.reason}" if refund.reason else "")
    allowed = TRANSITIONS.get(order.status, frozenset())
    if cancel and S.CANCELLED in allowed:
        order_transition(order=order, to=S.CANCELLED, by=refund.by, note=note, cancelled_at=timezone.now())
        return
    to = S.REFUNDED if refunded >= order.total else S.PARTIALLY_REFUNDED
    if to in allowed:
        order_transition(order=order, to=to, by=refund.by, note=note)
    else:
        logger.warning("Order %s is %s: refund %s recorded without a status change", order.pk, order.status, refund.pk)


def _shop_share_back(order: Order, refund: OrderRefund) -> None:
    """Reverse the shop's part of the refund from its transfer, or leave it owed (see the module's rule).

    Caller holds the order's row lock; the shop's row is locked here, as transfers do.
    """
    Vendor.objects.select_for_update().get(pk=order.vendor_id)
    if not order.transfer_id:
        # The transfer is still to go: the ledger's refund entries make it smaller.
        refund.reversal_status = OrderRefund.ReversalStatus.DEDUCTED
        refund.save(update_fields=["reversal_status"])
        return
    wanted = refund.shop_share
    amount = min(wanted, ledger.order_transferred(order=order))
    if to_minor_units(amount, order.currency) <= 0:
        refund.reversal_status = OrderRefund.ReversalStatus.FAILED
        refund.failure = "nothing of the transfer left to reverse; owed by the shop"
        refund.save(update_fields=["reversal_status", "failure"])
        return
    try:
        reversal_id = connect_gateway().transfer_reversal_create(
            transfer_id=order.transfer_id,
            amount_minor=to_minor_units(amount, order.currency),
            idempotency_key=f"order-refund-{refund.pk}-reversal",
            metadata={"order_refund": str(refund.pk), "order": order.number},
        )
    except ConnectError as exc:
        logger.error("Order %s: reversal of %s refused, the shop owes it: %s", order.number, amount, exc.detail)
        refund.reversal_status = OrderRefund.ReversalStatus.FAILED
        refund.failure = str(exc)[:300]
        refund.save(update_fields=["reversal_status", "failure"])
        return
    ledger.ledger_transfer_reversal(refund=refund, amount=amount, reversal_id=reversal_id)
    refund.reversal_status = OrderRefund.ReversalStatus.REVERSED
    refund.transfer_reversal_id = reversal_id
    if amount < wanted:
        refund.failure = f"transfer covered {amount} of {wanted}; the rest is owed by the shop"
    refund.save(update_fields=["reversal_status", "transfer_reversal_id", "failure"])


# --- Refunds made at Stripe (the dashboard) --------------------------------------------------


def charge_refund_attribute(
    *, checkout_id: int, refund_id: str, amount_minor: int, currency: str, status: str, metadata: dict
) -> list[OrderRefund]:
    """A refund Stripe reports on a checkout's charge: settle ours, attribute anyone else's to the orders.

    Ours carry ``order_refund`` in their metadata (settled here if the webhook beats our own
    request); checkout's own (a stray or late payment) carry ``checkout_id`` and aren't order money.
    Any other refund (Stripe's dashboard) is split over the checkout's orders pro rata by what is
    left to refund of each (their totals, before any refund), largest remainder, once per refund id.
    """
    if status in ("failed", "canceled"):
        # The bank returned a refund Stripe had made: the shopper wasn't repaid. Kept on the refund for
        # staff (checkout's audit log has its refund_failed row); the money is not moved back by itself.
        returned = OrderRefund.objects.filter(stripe_refund_id=refund_id, status=OrderRefund.Status.SUCCEEDED)
        if returned.exclude(failure__startswith="Stripe reports").exists():
            logger.error("Refund %s failed after it was settled on orders %s", refund_id,
                         list(returned.values_list("order_id", flat=True)))  # fmt: skip
            returned.update(failure=f"Stripe reports the refund {status}: the shopper was not repaid")
        return []
    if status not in ("pending", "succeeded", "requires_action"):
        return []
    if metadata.get("order_refund"):
        refund = OrderRefund.objects.filter(pk=int(metadata["order_refund"])).first()
        if refund is None or refund.status == OrderRefund.Status.SUCCEEDED:
            return []
        return [order_refund_settle(refund_id=refund.pk, stripe_refund_id=refund_id)]
    if metadata.get("checkout_id"):
        return []
    return refund_split_over_orders(
        checkout_id=checkout_id, amount=from_minor_units(amount_minor, currency), stripe_id=refund_id,
        reason="refunded in Stripe's dashboard",
    )  # fmt: skip


def refund_split_over_orders(*, checkout_id: int, amount: Decimal, stripe_id: str, reason: str, dispute=None):
    """Money that went back on a checkout's charge without naming an order (a dashboard refund, a lost
    dispute): split over its orders pro rata by what is left to refund of each, largest remainder, and
    settled like a shop's refund. Once per Stripe id (the orders' row locks and the check below)."""
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(checkout_id=checkout_id).order_by("pk"))
        if OrderRefund.objects.filter(order__in=orders, stripe_refund_id=stripe_id).exists():
            return []
        lefts = [order_refundable(order=o) for o in orders]
        total = min(sum(lefts, ZERO), amount)
        if total <= 0:
            logger.warning("%s on checkout %s: nothing left to refund on its orders", stripe_id, checkout_id)
            return []
        rows = [
            OrderRefund.objects.create(
                order=order, amount=share, reason=reason, request_key=f"stripe-{stripe_id}", dispute=dispute
            )
            for order, share in zip(orders, allocate(total, lefts), strict=True)
            if share > 0
        ]
        return [order_refund_settle(refund_id=row.pk, stripe_refund_id=stripe_id) for row in rows]
