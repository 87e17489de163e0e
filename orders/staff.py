"""Staff's way to the order services that move money back: the permission check no form can skip.

The dashboard offers "refund" and "cancel" only to staff holding the permission (the admin action's
``allowed_permissions``), and these functions check it again, so a forged post, another admin page or a
future caller can't refund on a staff account that may not.
"""

from decimal import Decimal

from .models import Order, OrderRefund
from .refunds import RefundError, order_cancel, order_refund

REFUND_PERMISSION = "orders.refund_order"
CANCEL_PERMISSION = "orders.cancel_order"


def _require(by, permission: str, what: str) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(permission)):
        raise RefundError(f"Your staff role doesn't allow you to {what}.", code="not_allowed")


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise RefundError("Give a reason: it is kept with the refund.", code="reason_missing")
    return reason


def order_staff_refund(
    *,
    order: Order,
    by,
    request_key: str,
    reason: str,
    amount: Decimal | None = None,
    items: dict[int, int] | None = None,
) -> tuple[OrderRefund, bool]:
    """Refund ``order`` as staff (in full, chosen ``items`` or an ``amount``; see ``order_refund``).

    ``by`` must hold ``orders.refund_order`` (the finance and admin roles). Returns the refund and
    whether this call made it: a repeat of ``request_key``, even at the same moment, returns the first
    refund and moves nothing (the order's lock decides which call is first).
    """
    _require(by, REFUND_PERMISSION, "refund orders")
    refund = order_refund(
        order=order, by=by, request_key=request_key, amount=amount, items=items, reason=_reason(reason)
    )
    return refund, not refund.repeated


def order_staff_cancel(*, order: Order, by, request_key: str, reason: str) -> tuple[OrderRefund, bool]:
    """Cancel an order that hasn't shipped, refunding it in full; ``by`` must hold ``orders.cancel_order``."""
    _require(by, CANCEL_PERMISSION, "cancel orders")
    refund = order_cancel(order=order, by=by, request_key=request_key, reason=_reason(reason))
    return refund, not refund.repeated
