from celery import shared_task

from .services import review_requests_send


@shared_task
def send_review_requests() -> int:
    """Hourly (beat): ask buyers for a review some days after delivery, once per order."""
    return review_requests_send()
