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
from datetime import timedelta

import stripe
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.urls import get_resolver
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.models import StripeEvent
from marketplace.telemetry import telemetry_event

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300  # Stripe's default: a replay older than this is refused

# Each endpoint's handler, by the name its view was made with: staff reprocess a stored event through it.
_HANDLERS: dict[str, tuple[Callable[[dict], None], tuple[type[Exception], ...]]] = {}


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
    _HANDLERS[name] = (handle, retry_on)

    @csrf_exempt  # Stripe can't send our CSRF token; the signature is the authentication
    @require_POST
    def webhook(request):
        try:
            event = stripe_event_verify(
                payload=request.body, signature=request.headers.get("Stripe-Signature", ""), secret=secret()
            )
        except WebhookRejected as exc:
            logger.warning("Rejected a %s webhook: %s", name, exc)
            telemetry_event("webhook_failed", endpoint=name, reason="bad_signature")
            return JsonResponse({"code": "bad_signature", "detail": "Signature check failed."}, status=400)
        kind = str(event.get("type", ""))
        try:
            handled = stripe_event_process(event=event, handle=handle, retry_on=retry_on)
        except WebhookRetry as exc:
            # Non-2xx: Stripe delivers the event again later; it is stored unprocessed until then.
            logger.warning("%s event %s not handled yet: %s", name, event["id"], exc)
            telemetry_event(
                "webhook_failed", endpoint=name, type=kind, reason="retry_later", event_id=event["id"], at_commit=False
            )
            return JsonResponse({"code": "retry_later", "detail": "Could not handle the event now."}, status=503)
        except Exception:
            telemetry_event(
                "webhook_failed", endpoint=name, type=kind, reason="error", event_id=event["id"], at_commit=False
            )
            raise
        telemetry_event("webhook_processed", endpoint=name, type=kind, replay=not handled, event_id=event["id"])
        return JsonResponse({"received": True, "replay": not handled})

    webhook.__name__ = webhook.__qualname__ = f"{name}_webhook"
    webhook.stripe_webhook = {"name": name, "summary": summary or f"Stripe {name} events"}
    return webhook


# An event not handled this long after it arrived is stuck, even without an error (a worker died mid-way).
STUCK_AFTER = timedelta(minutes=15)


def stripe_events_failed(*, now=None):
    """Stored events not handled: the handler failed (error kept), or they've been waiting past ``STUCK_AFTER``."""
    now = now or timezone.now()
    return (
        StripeEvent.objects.filter(processed_at__isnull=True)
        .filter(~Q(error="") | Q(received_at__lt=now - STUCK_AFTER))
        .defer("payload")
        .order_by("received_at", "pk")
    )


def _endpoint_for(payload: dict) -> str:
    # Stripe sends events from connected accounts (they carry ``account``) only to Connect endpoints.
    return "connect" if payload.get("account") else "payments"


def stripe_event_reprocess(*, event_pk: int) -> bool:
    """Handle a stored event that wasn't handled (its handler failed), as a fresh delivery would.

    Through ``stripe_event_process``: under the stored row's lock, so a double click, or Stripe
    redelivering at the same moment, handles it once. False if it had been handled meanwhile.
    Raises ``WebhookRetry`` when the handler fails again; the error is kept on the row.
    """
    record = StripeEvent.objects.get(pk=event_pk)
    if record.processed_at is not None:
        return False
    name = _endpoint_for(record.payload)
    if name not in _HANDLERS:
        _ = get_resolver().url_patterns  # the endpoints' views register their handlers as the URLconf loads
    if name not in _HANDLERS:
        raise WebhookRetry(f"no {name} webhook handler is loaded")
    handle, retry_on = _HANDLERS[name]
    try:
        return stripe_event_process(event=record.payload, handle=handle, retry_on=retry_on)
    except WebhookRetry:
        raise
    except Exception as exc:
        # A delivery would answer 500 and leave no trace; staff see what went wrong instead.
        logger.exception("Reprocessing event %s failed", record.event_id)
        StripeEvent.objects.filter(pk=record.pk).update(error=f"{type(exc).__name__}: {exc}"[:1000])
        raise WebhookRetry(str(exc) or type(exc).__name__) from exc
