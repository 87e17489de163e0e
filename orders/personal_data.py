"""The orders' contribution to ``marketplace.personal_data``: what the person bought and the messages
about it. Orders themselves are the shops' and the platform's records (amounts, ledger, refunds) and are
never removed; the buyer's name, email and address on them live on the checkout (``checkout.personal_data``
anonymises those), so here only the messages' authorship is cut."""

from django.db.models import Q

from marketplace.personal_data import timestamp

from .models import Order, OrderMessage

# The shop still has to send these: it needs the buyer's address until the parcel has left.
NOT_YET_SHIPPED = (Order.Status.PAID, Order.Status.PROCESSING)
# The shop's work on these isn't finished (shipped is finished by delivery or auto-delivery).
UNFINISHED_FOR_SHOP = (Order.Status.PAID, Order.Status.PROCESSING, Order.Status.SHIPPED)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def export(user) -> dict:
    orders = (
        Order.objects.filter(checkout__user=user)
        .select_related("vendor", "checkout")
        .prefetch_related("items")
        .order_by("created_at", "pk")
    )
    messages = (
        OrderMessage.objects.filter(Q(order__checkout__user=user) | Q(author=user))
        .select_related("order")
        .order_by("created_at", "pk")
    )
    return {
        "orders": [
            {
                "number": o.number,
                "shop": o.vendor.name,
                "status": o.status,
                "currency": o.currency,
                "subtotal": _money(o.subtotal),
                "shipping": _money(o.shipping),
                "total": _money(o.total),
                "checkout_id": o.checkout_id,
                "carrier": o.carrier,
                "tracking_number": o.tracking_number,
                "created_at": timestamp(o.created_at),
                "paid_at": timestamp(o.paid_at),
                "shipped_at": timestamp(o.shipped_at),
                "delivered_at": timestamp(o.delivered_at),
                "cancelled_at": timestamp(o.cancelled_at),
                "lines": [
                    {
                        "product_id": i.product_id,
                        "title": i.title,
                        "unit_price": _money(i.unit_price),
                        "quantity": i.quantity,
                        "line_total": _money(i.line_total),
                    }
                    for i in o.items.all()
                ],
            }
            for o in orders
        ],
        "messages": [
            {
                "order_number": m.order.number,
                "from_shop": m.from_shop,
                "written_by_you": m.author_id == user.pk,
                "body": m.body,
                "created_at": timestamp(m.created_at),
            }
            for m in messages
        ],
    }


def refuse_erasure(user) -> str | None:
    waiting = list(
        Order.objects.filter(checkout__user=user, status__in=NOT_YET_SHIPPED).values_list("number", flat=True)
    )
    if waiting:
        return (
            f"Your order{'s' if len(waiting) > 1 else ''} {', '.join(waiting)} "
            f"{'have' if len(waiting) > 1 else 'has'}n't shipped yet, and the shop needs your address to send "
            "it. Delete your account once it has shipped, or ask the shop to cancel it."
        )
    open_for_shop = Order.objects.filter(vendor__owner=user, status__in=UNFINISHED_FOR_SHOP).count()
    if open_for_shop:
        return f"Your shop has {open_for_shop} unfinished order{'s' if open_for_shop > 1 else ''}: finish them first."
    return None


def erase(user, *, keep_reviews: bool) -> None:
    """Messages stay in the thread (the shop's record of what was agreed) without their author; the buyer's
    side is shown with the checkout's name, which ``checkout.personal_data`` makes "Former customer"."""
    OrderMessage.objects.filter(author=user).update(author=None)
