from celery import shared_task

from .housekeeping import orders_deliver_due, orders_remind_unshipped


@shared_task
def orders_housekeeping() -> dict:
    """Hourly (beat): remind shops of overdue orders, take long-shipped orders as delivered."""
    return {"reminded": orders_remind_unshipped(), "delivered": orders_deliver_due()}
