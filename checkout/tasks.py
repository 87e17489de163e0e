from celery import shared_task

from .placement import checkouts_expire_due


@shared_task
def expire_unpaid_checkouts() -> int:
    """Every minute (beat): release stock held by checkouts not paid within 30 minutes."""
    return checkouts_expire_due()


@shared_task
def after_payment(checkout_id: int) -> None:
    """Fan out the work that follows a payment; each part is its own retried, idempotent task."""
    from orders.models import Order

    for order_id in Order.objects.filter(checkout_id=checkout_id).values_list("pk", flat=True):
        transfer_to_shop.delay(order_id)
    send_receipts.delay(checkout_id)


@shared_task(bind=True, max_retries=8, retry_backoff=True, retry_backoff_max=3600, retry_jitter=True)
def transfer_to_shop(self, order_id: int) -> None:
    from .payouts import ConnectError, order_transfer

    try:
        # The last try pays the shop even if Stripe's fee never settled (the platform bears it).
        order_transfer(order_id=order_id, without_fee_share=self.request.retries >= self.max_retries)
    except ConnectError as exc:
        if getattr(exc, "retryable", True):
            raise self.retry(exc=exc) from exc
        raise


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_receipts(checkout_id: int) -> None:
    from .payouts import checkout_send_receipts

    checkout_send_receipts(checkout_id=checkout_id)
