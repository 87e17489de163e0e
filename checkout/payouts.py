"""After a payment: each shop's transfer (its bookkeeping and retries are in ``followups``)."""

import logging
from decimal import Decimal

from django.db import transaction

from marketplace.money import to_minor_units
from orders.ledger import ledger_order_paid, ledger_processing_fee, ledger_transfer, transfer_amount
from orders.models import Order
from vendors.connect import ConnectError, connect_gateway
from vendors.models import Vendor

from .models import Checkout, PaymentRecord

logger = logging.getLogger(__name__)

# Paid and not cancelled: the shop is owed its money whether or not it has shipped yet (less what was refunded).
PAID_STATES = (
    Order.Status.PAID, Order.Status.PROCESSING, Order.Status.SHIPPED, Order.Status.DELIVERED,
    Order.Status.PARTIALLY_REFUNDED,
)  # fmt: skip


def order_transfer(*, order_id: int, without_fee_share: bool = False) -> str:
    """Send one shop its money (net of the platform fee and its share of Stripe's fee), once.

    The amount is the order's sum in the ledger (so a refund made before the transfer makes it
    smaller) less what the shop owes from earlier refunds it couldn't repay (a clawback).

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
        # The sale was written at payment (again here is a no-op; for orders paid before the ledger existed).
        # The shop's share of Stripe's fee is charged with its transfer: an order refunded in full before
        # its transfer costs the shop nothing (the platform bears the fee).
        ledger_order_paid(order=order, charge_id=order.checkout.charge_id)
        ledger_processing_fee(order=order)
        Vendor.objects.select_for_update().get(pk=order.vendor_id)  # one transfer at a time nets the shop's debt
        amount, kept = transfer_amount(order=order)
        memo = f"{kept} kept back against what the shop owes" if kept else ""
        if to_minor_units(amount, order.currency) <= 0:
            ledger_transfer(
                order=order, amount=max(amount, Decimal("0.00")), transfer_id="", memo=memo or "nothing to send"
            )
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
        ledger_transfer(order=order, amount=amount, transfer_id=transfer_id, memo=memo)
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
