from celery import shared_task

from marketplace.emails import email_send


@shared_task(
    bind=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_email(self, *, to, subject, text, html, from_email=None, headers=None):
    """Send one rendered email. Retries with backoff when the mail provider is unreachable."""
    email_send(to=to, subject=subject, text=text, html=html, from_email=from_email, headers=headers)


@shared_task
def notifications_digest() -> int:
    """Daily (beat): unread notifications by email, to those who want the digest. Idempotent."""
    from marketplace.notifications import notifications_digest_send

    return notifications_digest_send()


@shared_task
def idempotency_keys_purge() -> int:
    """Hourly (beat): forget ``Idempotency-Key`` answers older than 24 hours. Idempotent."""
    from marketplace.idempotency import idempotency_keys_purge as purge

    return purge()


@shared_task(bind=True, max_retries=8)
def stripe_customer_delete(self, customer_id: str) -> None:
    """After an account's erasure: delete its Stripe Customer. Takes the Stripe id, not the user's pk, since
    the erased account no longer holds it. Idempotent (already deleted is done); retries what may pass."""
    from marketplace.payments_gateway import PaymentGatewayError, payments_gateway

    try:
        payments_gateway().customer_delete(customer_id)
    except PaymentGatewayError as exc:
        if exc.retryable:
            raise self.retry(exc=exc, countdown=min(600, 30 * 2**self.request.retries)) from exc
        raise
