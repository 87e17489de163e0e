"""Connect events about money after the fact: a transfer reversed, a shop's payout failed. Recorded, never dropped.

Stripe can reverse a transfer without us (someone in its dashboard, Stripe itself): that money came back
from the shop to the platform, so the shop's ledger gets the reversal (the platform owes the shop that much
again) and staff see a ``ConnectIncident``. Our own reversals (made by a refund, marked by their metadata or
already in the ledger) are recorded without booking anything twice. A failed payout is the shop's bank
refusing its money: nothing moves in our ledger, but staff must know.

Called by the Connect webhook (``settings.CONNECT_EVENT_HANDLERS``) inside its transaction, once per event.
"""

import logging

from django.db import transaction

from marketplace.money import from_minor_units
from vendors.connect import ConnectError, connect_gateway
from vendors.models import Vendor

from .models import ConnectIncident, LedgerEntry, Order

logger = logging.getLogger(__name__)

K = LedgerEntry.Kind


def _object(event: dict) -> dict:
    return (event.get("data") or {}).get("object") or {}


@transaction.atomic
def connect_transfer_reversed(*, event: dict) -> ConnectIncident:
    """Record a reversed transfer; book into the shop's ledger each reversal of it that nobody here made.

    The payload only names the transfer: its reversals are read again from Stripe (events arrive late and out
    of order). Under the order's row lock, as refunds reverse under it, so a refund's own reversal is either
    in the ledger already or marked as ours.
    """
    transfer_id = str(_object(event).get("id") or "")
    order = Order.objects.select_for_update().filter(transfer_id=transfer_id).first() if transfer_id else None
    if order is None:
        logger.error("Connect event %s: transfer %r reversed, not one of ours", event.get("id"), transfer_id)
        return _record(event, ConnectIncident.Kind.TRANSFER_REVERSED, transfer_id, detail="no order has this transfer")
    try:
        transfer = connect_gateway().transfer_retrieve(transfer_id=transfer_id)
    except ConnectError as exc:
        if exc.retryable:
            raise  # the webhook answers 503 and Stripe delivers again
        logger.error("Connect event %s: transfer %s can't be read: %s", event.get("id"), transfer_id, exc.detail)
        return _record(
            event, ConnectIncident.Kind.TRANSFER_REVERSED, transfer_id, order=order, vendor_id=order.vendor_id,
            detail=f"Stripe can't show this transfer: {exc.detail}"[:500],
        )  # fmt: skip
    booked = []
    for reversal in transfer.reversals:
        known = LedgerEntry.objects.filter(kind=K.TRANSFER_REVERSAL, stripe_id=reversal.id).exists()
        if known or reversal.metadata.get("order_refund"):
            continue
        amount = from_minor_units(reversal.amount_minor, reversal.currency or transfer.currency)
        LedgerEntry.objects.create(
            account=LedgerEntry.Account.SHOP, vendor_id=order.vendor_id, order=order, kind=K.TRANSFER_REVERSAL,
            amount=amount, currency=order.currency, stripe_id=reversal.id, memo="reversed at Stripe, not by a refund",
        )  # fmt: skip
        booked.append((reversal.id, amount))
    total = sum((amount for _, amount in booked), start=from_minor_units(0, order.currency))
    if booked:
        logger.error(
            "Order %s: transfer %s reversed at Stripe by someone else (%s %s), booked to the shop's ledger",
            order.number, transfer_id, total, order.currency,
        )  # fmt: skip
        detail = "reversed at Stripe, not by us: " + ", ".join(f"{rid} ({amount})" for rid, amount in booked)
    else:
        logger.info("Order %s: transfer %s reversed by our own refund", order.number, transfer_id)
        detail = "our own refund's reversal"
    return _record(
        event, ConnectIncident.Kind.TRANSFER_REVERSED, transfer_id, order=order, vendor_id=order.vendor_id,
        amount=total if booked else None, currency=order.currency, booked=bool(booked), detail=detail,
    )  # fmt: skip


def connect_payout_failed(*, event: dict) -> ConnectIncident:
    """Record a shop's failed payout (its bank refused the money) for staff; the shop's Stripe balance keeps it."""
    payout = _object(event)
    account_id = event.get("account") or ""
    vendor = Vendor.objects.filter(stripe_account_id=account_id).first() if account_id else None
    currency = str(payout.get("currency") or "").upper()
    amount = from_minor_units(int(payout.get("amount") or 0), currency) if currency else None
    reason = f"{payout.get('failure_code') or 'unknown'}: {payout.get('failure_message') or ''}".strip(": ")
    logger.error(
        "Payout %s of %s %s to shop %s (%s) failed: %s",
        payout.get("id"), amount, currency, vendor.pk if vendor else None, account_id, reason,
    )  # fmt: skip
    return _record(
        event, ConnectIncident.Kind.PAYOUT_FAILED, str(payout.get("id") or ""), vendor_id=vendor.pk if vendor else None,
        amount=amount, currency=currency, detail=reason,
    )  # fmt: skip


def _record(event: dict, kind: str, stripe_id: str, **fields) -> ConnectIncident:
    incident, _ = ConnectIncident.objects.get_or_create(
        stripe_event_id=event["id"], defaults={"kind": kind, "stripe_id": stripe_id[:64], **fields}
    )
    return incident
