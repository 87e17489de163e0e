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
