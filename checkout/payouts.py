"""After a payment: each shop's transfer (its bookkeeping and retries are in ``followups``)."""

import logging
from decimal import Decimal

from django.db import transaction

from marketplace.money import to_minor_units
from orders.models import Order
from vendors.connect import ConnectError, connect_gateway

from .models import Checkout, PaymentRecord

logger = logging.getLogger(__name__)

# Paid and not cancelled: the shop is owed its money whether or not it has shipped yet.
PAID_STATES = (Order.Status.PAID, Order.Status.PROCESSING, Order.Status.SHIPPED, Order.Status.DELIVERED)


def order_transfer(*, order_id: int, without_fee_share: bool = False) -> str:
    """Send one shop its money (net of the platform fee and its share of Stripe's fee), once.

    Stripe's fee is known once it settles the charge's balance transaction, usually at
    once. If it still isn't, the shop's share can't be taken: this raises a retryable
    ``ConnectError`` so the task tries again later, rather than paying the shop the
    platform's money. ``without_fee_share`` (the task's last try) sends the net alone,
    leaving the fee to the platform, and logs it.
    """
    from .payments import checkout_record_processing_fee

    with transaction.atomic():
        # The checkout first, then the order: the same lock order as recording a payment.
        checkout = Checkout.objects.select_for_update(of=("self",)).get(orders__pk=order_id)
        order = Order.objects.select_for_update().select_related("vendor", "checkout").get(pk=order_id)
        if order.transfer_id or order.status not in PAID_STATES:
            return order.transfer_id
        if order.processing_fee_share is None:
            checkout_record_processing_fee(checkout=checkout)
            order.refresh_from_db(fields=["processing_fee_share"])
        if order.processing_fee_share is None:
            if not without_fee_share:
                raise ConnectError("Stripe hasn't settled its fee on this payment yet.", retryable=True)
            logger.error("Order %s: transferring without its share of Stripe's fee (never settled)", order.pk)
        amount = order.vendor_net - (order.processing_fee_share or 0)
        if to_minor_units(amount, order.currency) <= 0:
            return _order_transfer_nothing(order=order, amount=amount)
        transfer_id = connect_gateway().transfer_create(
            amount_minor=to_minor_units(amount, order.currency),
            currency=order.currency.lower(),
            destination=order.vendor.stripe_account_id,
            source_transaction=order.checkout.charge_id,
            transfer_group=f"checkout-{order.checkout_id}",
            idempotency_key=f"order-{order.pk}-transfer",
        )
        order.transfer_id = transfer_id
        order.save(update_fields=["transfer_id"])
        PaymentRecord.objects.create(
            checkout=order.checkout, kind="transfer", stripe_id=transfer_id, amount=amount, detail=f"order {order.pk}"
        )
        return transfer_id


def _order_transfer_nothing(*, order: Order, amount) -> str:
    """Record that the shop's net after fees is nothing (Stripe refuses a zero transfer). Caller locks the order."""
    detail = f"order {order.pk}: nothing to send (net after fees {amount})"
    if amount < 0:
        # The card fee share is more than the shop's net: the platform bears the difference.
        logger.warning("Order %s: Stripe's fee share exceeds the shop's net by %s", order.pk, -amount)
    if not PaymentRecord.objects.filter(
        checkout=order.checkout, kind=PaymentRecord.Kind.TRANSFER, stripe_id="", detail__startswith=f"order {order.pk}:"
    ).exists():
        PaymentRecord.objects.create(
            checkout=order.checkout, kind=PaymentRecord.Kind.TRANSFER, amount=Decimal("0.00"), detail=detail[:300]
        )
    return ""
