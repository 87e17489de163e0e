"""Refunds made at Stripe (dashboard or API), recorded exactly in the payment audit log.

One ``refund`` row per Stripe refund id, one ``refund_failed`` row per refund the
bank returned; partial unique indexes make that hold under concurrent webhook
deliveries. The event payload is only a nudge: current API versions don't embed a
charge's refunds, and payloads can be stale, so the refunds are read from Stripe.
What a refund does to orders and transfers belongs to the orders app: once recorded, each refund
is handed to ``orders.refunds.charge_refund_attribute`` (ours are settled, a dashboard refund is
split over the shops' orders and their transfers reversed), also once per refund id.
"""

import logging
from decimal import Decimal

from marketplace.money import from_minor_units
from orders.disputes import dispute_sync
from orders.refunds import charge_refund_attribute

from .gateway import Refund, payments_gateway
from .models import Checkout, PaymentRecord

logger = logging.getLogger(__name__)

# --- Stripe, through the payments gateway, in the shape of Stripe's own refund objects ----------


def _as_stripe_refund(refund: Refund) -> dict:
    return {
        "id": refund.id, "amount": refund.amount_minor, "currency": refund.currency, "status": refund.status,
        "charge": refund.charge_id, "payment_intent": refund.intent_id, "failure_reason": refund.failure_reason,
        "created": refund.created, "metadata": refund.metadata,
    }  # fmt: skip


def _stripe_refunds_of_charge(charge_id: str) -> list[dict]:
    """Every refund of the charge, as Stripe reports it now (all pages)."""
    return [_as_stripe_refund(r) for r in payments_gateway().refunds_for_charge(charge_id)]


def _stripe_refund(refund_id: str) -> dict:
    return _as_stripe_refund(payments_gateway().refund_retrieve(refund_id))


def _stripe_charge(charge_id: str) -> dict:
    return {"id": charge_id, "payment_intent": payments_gateway().charge_intent_id(charge_id)}


# --- Recording -------------------------------------------------------------------------------

# A refund in these states has given (or is giving) the money back; "failed" and "canceled" have not.
_REFUND_LIVE = {"pending", "requires_action", "succeeded"}
_REFUND_DEAD = {"failed", "canceled"}


def _checkout_for_charge(*, charge_id: str, intent_id: str | None) -> Checkout | None:
    checkout = Checkout.objects.filter(payment_intent_id=intent_id).first() if intent_id else None
    if checkout is None and charge_id:
        checkout = Checkout.objects.filter(charge_id=charge_id).first()
    return checkout


def _amount(refund: dict, checkout: Checkout) -> Decimal:
    return from_minor_units(int(refund.get("amount") or 0), str(refund.get("currency") or checkout.currency))


def _insert_once(*, checkout: Checkout, kind: str, refund: dict, detail: str) -> None:
    """Insert the row unless one exists for this refund id and kind.

    ``ON CONFLICT DO NOTHING`` on the partial unique index: a concurrent insert of
    the same refund waits for the other transaction and then does nothing.
    """
    row = PaymentRecord(
        checkout=checkout, kind=kind, stripe_id=refund["id"], amount=_amount(refund, checkout), detail=detail[:300]
    )
    PaymentRecord.objects.bulk_create([row], ignore_conflicts=True)


def refund_record(*, checkout: Checkout, refund: dict) -> None:
    """Record one refund as Stripe reports it: a row while it stands, and a failure row if the bank returned it."""
    status = refund.get("status") or "succeeded"
    charge = refund.get("charge") or ""
    if status in _REFUND_LIVE or status in _REFUND_DEAD:
        # A refund that failed was still issued: its row stays, and the failure row says it was undone.
        _insert_once(checkout=checkout, kind=PaymentRecord.Kind.REFUND, refund=refund, detail=f"charge {charge}")
    if status in _REFUND_DEAD:
        reason = refund.get("failure_reason") or status
        if not PaymentRecord.objects.filter(kind=PaymentRecord.Kind.REFUND_FAILED, stripe_id=refund["id"]).exists():
            logger.error("Refund %s of checkout %s %s (%s): the shopper has not been repaid", refund["id"],
                         checkout.pk, status, reason)  # fmt: skip
        _insert_once(
            checkout=checkout,
            kind=PaymentRecord.Kind.REFUND_FAILED,
            refund=refund,
            detail=f"charge {charge}: {status} ({reason})",
        )
    charge_refund_attribute(
        checkout_id=checkout.pk, refund_id=refund["id"], amount_minor=int(refund.get("amount") or 0),
        currency=str(refund.get("currency") or checkout.currency), status=status, metadata=refund.get("metadata") or {},
    )  # fmt: skip


def charge_refunds_record(*, charge: dict) -> int:
    """``charge.refunded``: record every refund of the charge, once per refund id. Returns how many Stripe has."""
    checkout = _checkout_for_charge(charge_id=charge.get("id") or "", intent_id=charge.get("payment_intent"))
    if checkout is None:
        logger.warning("Refunded charge %s matches no checkout; acknowledged", charge.get("id"))
        return 0
    refunds = _stripe_refunds_of_charge(charge["id"])
    for refund in sorted(refunds, key=lambda r: (r.get("created") or 0, r["id"])):
        refund_record(checkout=checkout, refund=refund)
    return len(refunds)


def refund_update_record(*, refund_id: str) -> None:
    """``charge.refund.updated``: re-read the refund and record what it now is (a failure, typically)."""
    refund = _stripe_refund(refund_id)
    charge_id = refund.get("charge") or ""
    checkout = _checkout_for_charge(charge_id=charge_id, intent_id=refund.get("payment_intent"))
    if checkout is None and charge_id:
        charge = _stripe_charge(charge_id)
        checkout = _checkout_for_charge(charge_id=charge_id, intent_id=charge.get("payment_intent"))
    if checkout is None:
        logger.warning("Refund %s matches no checkout; acknowledged", refund_id)
        return
    refund_record(checkout=checkout, refund=refund)


def dispute_event_record(*, dispute_id: str) -> None:
    """``charge.dispute.*``: re-read the dispute (events come late and out of order) and record it as it is now."""
    dispute = payments_gateway().dispute_retrieve(dispute_id)
    checkout = _checkout_for_charge(charge_id=dispute.charge_id, intent_id=dispute.intent_id or None)
    if checkout is None:
        logger.warning("Dispute %s matches no checkout; acknowledged", dispute_id)
        return
    dispute_sync(
        checkout_id=checkout.pk, dispute_id=dispute.id, amount_minor=dispute.amount_minor,
        currency=dispute.currency or checkout.currency, status=dispute.status, reason=dispute.reason,
    )  # fmt: skip
