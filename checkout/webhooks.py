"""``POST /api/payments/webhook``: Stripe tells us what happened to a payment.

The protocol (verify, store once, lock, mark) is ``marketplace.stripe_webhooks``;
this module only says what each event type means for checkouts.
"""

import logging

from django.conf import settings

from marketplace.stripe_webhooks import stripe_webhook_view
from orders.connect_events import connect_transfer_reversed
from vendors.connect import ConnectError

from .gateway import PaymentGatewayError
from .payments import checkout_sync_payment
from .refunds import charge_refunds_record, dispute_event_record, refund_update_record

logger = logging.getLogger(__name__)


def payment_event_handle(event: dict) -> None:
    """Act on one verified payments event. Caller holds the stored event's row lock.

    Events are only a nudge: the intent is re-read from Stripe, since events arrive
    late, twice or out of order. An event about something that isn't ours is logged
    and acknowledged (a non-2xx would make Stripe redeliver it for days).
    """
    kind = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    try:
        if kind.startswith("payment_intent.") and obj.get("id"):
            if checkout_sync_payment(intent_id=obj["id"]) is None:
                logger.warning("Event %s: PaymentIntent %s matches no checkout; acknowledged", event["id"], obj["id"])
        elif kind == "charge.refunded" and obj.get("id"):
            # Recorded for the audit log, then attributed to the shops' orders and their transfers reversed.
            charge_refunds_record(charge=obj)
        elif kind == "charge.refund.updated" and obj.get("id"):
            refund_update_record(refund_id=obj["id"])
        elif kind == "transfer.reversed" and obj.get("id"):
            # Transfers are the platform's own objects, so Stripe sends their events to this endpoint;
            # the same handler as the Connect endpoint's (recorded once, booked only if not ours).
            connect_transfer_reversed(event=event)
        elif kind.startswith("charge.dispute.") and obj.get("id"):
            dispute_event_record(dispute_id=obj["id"])
    except PaymentGatewayError as exc:
        if not exc.not_found:  # passing trouble: the protocol answers 503 and Stripe redelivers
            raise
        logger.warning("Event %s (%s): Stripe has no %s; acknowledged", event["id"], kind, obj.get("id"))


payments_webhook = stripe_webhook_view(
    name="payments",
    summary="Stripe payment events (payment intents, refunds, disputes, transfer reversals)",
    secret=lambda: settings.STRIPE_WEBHOOK_SECRET,
    handle=payment_event_handle,
    retry_on=(PaymentGatewayError, ConnectError),
)
