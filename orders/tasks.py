from celery import shared_task

from .housekeeping import orders_deliver_due, orders_remind_unshipped


@shared_task
def orders_housekeeping() -> dict:
    """Hourly (beat): remind shops of overdue orders, take long-shipped orders as delivered."""
    return {"reminded": orders_remind_unshipped(), "delivered": orders_deliver_due()}


@shared_task(bind=True, max_retries=5)
def reconcile_yesterday(self, day: str = "") -> int:
    """Daily (beat): the ledger against Stripe for yesterday (or ``day``, ISO); returns how many issues it has."""
    from datetime import date, timedelta

    from django.utils import timezone

    from marketplace.payments_gateway import PaymentGatewayError
    from vendors.connect import ConnectError

    from .reconciliation import reconcile_day

    when = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    try:
        return len(reconcile_day(day=when))
    except (PaymentGatewayError, ConnectError) as exc:
        if not exc.retryable:
            raise
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
