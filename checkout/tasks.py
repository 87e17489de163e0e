"""Celery entry points for checkout: thin, by primary key, each doing one kind of side effect."""

from datetime import datetime

from celery import shared_task

from .placement import checkouts_expire_due


@shared_task
def expire_unpaid_checkouts() -> int:
    """Every minute (beat): release stock held by checkouts not paid within 30 minutes."""
    return checkouts_expire_due()


@shared_task
def after_payment(checkout_id: int) -> None:
    """Fan out the follow-ups a payment wrote down; each part is its own retried, idempotent task."""
    from .models import FollowUp

    pending = FollowUp.objects.filter(checkout_id=checkout_id, status=FollowUp.Status.PENDING)
    for order_id in pending.filter(kind=FollowUp.Kind.TRANSFER).values_list("order_id", flat=True):
        transfer_to_shop.delay(order_id)
    send_receipts.delay(checkout_id)


@shared_task(bind=True, max_retries=8, retry_backoff=True, retry_backoff_max=3600, retry_jitter=True)
def transfer_to_shop(self, order_id: int) -> None:
    from .followups import followup_transfer
    from .payouts import ConnectError

    try:
        followup_transfer(order_id=order_id, last_try=self.request.retries >= self.max_retries)
    except ConnectError as exc:  # only retryable ones reach here; a refusal is recorded as failed
        raise self.retry(exc=exc) from exc


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_receipts(checkout_id: int) -> None:
    """The receipt and each shop's email; a retry after a partial send sends only what is still pending."""
    from .followups import checkout_send_receipts

    checkout_send_receipts(checkout_id=checkout_id)


@shared_task
def run_due_followups(now: str | None = None) -> int:
    """Every minute (beat): follow-ups whose task was lost (broker down, worker died) or is due a retry."""
    from .followups import followups_run_due

    return followups_run_due(now=datetime.fromisoformat(now) if now else None)
