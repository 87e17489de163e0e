"""Receiving Stripe webhooks, written once for every endpoint (payments, Connect).

The protocol: verify the signature on the raw body → store the event once (by its
id) → lock the stored row → let the app handle it → mark it processed, in the
lock's transaction. An app supplies only its signing secret and a handler:

    payments_webhook = stripe_webhook_view(
        secret=lambda: settings.STRIPE_WEBHOOK_SECRET, handle=payment_event_handle, retry_on=(...,)
    )

A handler raising one of ``retry_on`` (Stripe unreachable, say) rolls its work
back, leaves the event unprocessed with the error noted, and answers 503 so
Stripe delivers it again. Anything else the handler decides is final (an event
about something that isn't ours is logged by the handler and acknowledged).
"""

import json
import logging
import time
from collections.abc import Callable

import stripe
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.models import StripeEvent

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300  # Stripe's default: a replay older than this is refused


class WebhookRejected(Exception):
    """Bad signature, stale or future timestamp, unreadable body: answer 400 and change nothing."""


class WebhookRetry(Exception):
    """The event couldn't be handled now; it stays stored unprocessed and Stripe delivers it again."""


def _signature_timestamp(signature: str) -> int | None:
    for part in signature.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def stripe_event_verify(*, payload: bytes, signature: str, secret: str, now: float | None = None) -> dict:
    """The event, if ``signature`` is Stripe's for ``payload`` and was made within the tolerance either way."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise WebhookRejected(str(exc)) from exc
    # Stripe's check refuses old timestamps only; a signature dated ahead was made with a clock (or a
    # key) that isn't Stripe's, or is being held back to be replayed later.
    timestamp = _signature_timestamp(signature)
    if timestamp is None or timestamp > (now or time.time()) + SIGNATURE_TOLERANCE_SECONDS:
        raise WebhookRejected("timestamp is in the future")
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("not a Stripe event")
    return event


def stripe_event_record(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store the event; ``created`` is False when it had been stored before (a redelivery or a replay)."""
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


def stripe_event_process(
    *, event: dict, handle: Callable[[dict], None], retry_on: tuple[type[Exception], ...] = ()
) -> bool:
    """Store a verified event once and handle it once; False if it had already been handled.

    Two simultaneous deliveries serialize on the stored row's lock; the second finds
    it processed. ``handle`` runs inside that transaction, so its writes and the
    "processed" mark commit together. Raises ``WebhookRetry`` for ``retry_on`` errors.
    """
    record, _created = stripe_event_record(event=event)
    if record.processed_at is not None:
        return False
    try:
        with transaction.atomic():
            locked = StripeEvent.objects.select_for_update().get(pk=record.pk)
            if locked.processed_at is not None:
                return False
            handle(event)
            locked.processed_at = timezone.now()
            locked.error = ""
            locked.save(update_fields=["processed_at", "error"])
    except retry_on as exc:
        StripeEvent.objects.filter(pk=record.pk).update(error=str(exc)[:1000])
        raise WebhookRetry(str(exc)) from exc
    return True


def stripe_webhook_view(
    *,
    name: str,
    secret: Callable[[], str],
    handle: Callable[[dict], None],
    retry_on: tuple[type[Exception], ...] = (),
    summary: str = "",
):
    """A Django view for one webhook endpoint; ``secret`` is read per request (settings can change in tests).

    ``summary`` is the endpoint's line in the API schema (``marketplace.api_schema.add_stripe_webhooks``).
    """

    @csrf_exempt  # Stripe can't send our CSRF token; the signature is the authentication
    @require_POST
    def webhook(request):
        try:
            event = stripe_event_verify(
                payload=request.body, signature=request.headers.get("Stripe-Signature", ""), secret=secret()
            )
        except WebhookRejected as exc:
            logger.warning("Rejected a %s webhook: %s", name, exc)
            return JsonResponse({"code": "bad_signature", "detail": "Signature check failed."}, status=400)
        try:
            handled = stripe_event_process(event=event, handle=handle, retry_on=retry_on)
        except WebhookRetry as exc:
            # Non-2xx: Stripe delivers the event again later; it is stored unprocessed until then.
            logger.warning("%s event %s not handled yet: %s", name, event["id"], exc)
            return JsonResponse({"code": "retry_later", "detail": "Could not handle the event now."}, status=503)
        return JsonResponse({"received": True, "replay": not handled})

    webhook.__name__ = webhook.__qualname__ = f"{name}_webhook"
    webhook.stripe_webhook = {"name": name, "summary": summary or f"Stripe {name} events"}
    return webhook
