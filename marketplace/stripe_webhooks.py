"""Receiving Stripe webhooks: verify the signature on the raw body, store the event once.

Each endpoint (payments, Connect) calls ``stripe_event_receive`` and then
dispatches on the event type to its own app's service.
"""

import json

import stripe
from django.db import IntegrityError, transaction

from marketplace.models import StripeEvent

SIGNATURE_TOLERANCE_SECONDS = 300  # Stripe's default: a replay older than this is refused


class WebhookRejected(Exception):
    """Bad signature, stale timestamp or unreadable body: answer 400 and change nothing."""


def stripe_event_verify(*, payload: bytes, signature: str, secret: str) -> dict:
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise WebhookRejected(str(exc)) from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("not a Stripe event")
    return event


def stripe_event_record(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store the event; ``created`` is False for a replay (the caller then does nothing)."""
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                account=event.get("account") or "",
                livemode=bool(event.get("livemode")),
                payload=event,
            )
            return record, True
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False
