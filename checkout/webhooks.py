"""``POST /api/payments/webhook``: Stripe tells us what happened to a payment."""

import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.models import StripeEvent
from marketplace.stripe_webhooks import WebhookRejected, stripe_event_record, stripe_event_verify

from .gateway import PaymentGatewayError
from .payments import charge_refund_record, checkout_sync_payment

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe can't send our CSRF token; the signature is the authentication
@require_POST
def payments_webhook(request):
    try:
        event = stripe_event_verify(
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
            secret=settings.STRIPE_WEBHOOK_SECRET,
        )
    except WebhookRejected as exc:
        logger.warning("Rejected a payments webhook: %s", exc)
        return JsonResponse({"code": "bad_signature", "detail": "Signature check failed."}, status=400)
    record, created = stripe_event_record(event=event)
    with transaction.atomic():
        record = StripeEvent.objects.select_for_update().get(pk=record.pk)
        if record.processed_at:
            return JsonResponse({"received": True, "replay": True})
        kind = event["type"]
        obj = (event.get("data") or {}).get("object") or {}
        try:
            if kind.startswith("payment_intent.") and obj.get("id"):
                # Re-read the intent: events can arrive late, twice or out of order.
                checkout_sync_payment(intent_id=obj["id"])
            elif kind == "charge.refunded":
                # Recorded for the audit log; reversing transfers and order states comes with refunds in orders.
                charge_refund_record(charge=obj)
        except (stripe.StripeError, PaymentGatewayError) as exc:
            record.error = str(exc)[:1000]
            record.save(update_fields=["error"])
            # 503: Stripe delivers the event again later.
            return JsonResponse({"code": "retry", "detail": "Stripe could not be reached."}, status=503)
        record.processed_at = timezone.now()
        record.error = ""
        record.save(update_fields=["processed_at", "error"])
    return JsonResponse({"received": True, "replay": not created})
