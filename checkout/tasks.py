from celery import shared_task

from .placement import checkouts_expire_due


@shared_task
def expire_unpaid_checkouts() -> int:
    """Every minute (beat): release stock held by checkouts not paid within 30 minutes."""
    return checkouts_expire_due()
