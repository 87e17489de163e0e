"""Messages about an order: one thread between the order's buyer and its shop.

Who may read and write a thread is decided by the order's access helpers (``order_for_shopper``,
``order_for_shop``): whoever can see the order sees its whole thread. The other side is emailed and,
when they have an account, notified, after the message is committed.
"""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.emails import email_enqueue, render_email
from marketplace.notifications import notify

from .models import Order, OrderMessage
from .services import OrderError

MESSAGES_PER_HOUR = 10


def order_messages(*, order: Order):
    """The thread, oldest first. Caller has checked that the reader may see ``order``."""
    return OrderMessage.objects.filter(order=order).order_by("created_at", "pk")


def order_message_post(*, order: Order, by, body: str, from_shop: bool) -> OrderMessage:
    """Add ``by``'s message to ``order``'s thread and tell the other side (email + bell) after commit.

    Caller has checked that ``by`` is the order's buyer (``from_shop=False``) or its shop's owner
    (``from_shop=True``). Raises ``OrderError`` for an empty or too long message.
    """
    body = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
    if not body:
        raise OrderError("Write a message first.", code="message_empty")
    if len(body) > OrderMessage.BODY_MAX:
        raise OrderError(
            f"Keep the message under {OrderMessage.BODY_MAX} characters ({len(body)} now).", code="message_too_long"
        )
    with transaction.atomic():
        # One side's burst is capped, so a leaked receipt link or a stuck script can't flood the other's inbox.
        # The order row lock makes concurrent posts count each other.
        Order.objects.select_for_update().filter(pk=order.pk).first()
        recent = OrderMessage.objects.filter(
            order=order, from_shop=from_shop, created_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        if recent >= MESSAGES_PER_HOUR:
            raise OrderError(
                f"That's {MESSAGES_PER_HOUR} messages in the last hour: please wait for an answer.",
                code="message_rate",
            )
        message = OrderMessage.objects.create(order=order, author=by, from_shop=from_shop, body=body)
        order = Order.objects.select_related("checkout__user", "vendor__owner").get(pk=order.pk)
        if from_shop:
            _tell_shopper(order, message)
        else:
            _tell_shop(order, message)
    return message


def _tell_shop(order: Order, message: OrderMessage) -> None:
    context = {"order": order, "message": message, "checkout": order.checkout}
    subject, text, html = render_email("orders/email/message_to_shop", context)
    email_enqueue(to=[order.vendor.owner.email], subject=subject, text=text, html=html)
    notify(
        user=order.vendor.owner,
        kind="order_message",
        text=f"{order.checkout.shipping_name} wrote about order {order.number}.",
        url=reverse("orders_shop:order", args=[order.number]) + "#messages",
    )


def _tell_shopper(order: Order, message: OrderMessage) -> None:
    context = {"order": order, "message": message, "checkout": order.checkout}
    subject, text, html = render_email("orders/email/message_to_shopper", context)
    email_enqueue(to=[order.checkout.email], subject=subject, text=text, html=html)
    notify(
        user=order.checkout.user,
        kind="order_message",
        text=f"{order.vendor.name} answered about order {order.number}.",
        url=reverse("orders:mine", args=[order.number]) + "#messages",
    )
