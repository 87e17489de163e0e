from celery import shared_task

from catalog.tasks import TRANSIENT_STORAGE_ERRORS

from .photos import photo_render
from .services import review_requests_send


@shared_task
def send_review_requests() -> int:
    """Hourly (beat): ask buyers for a review some days after delivery, once per order."""
    return review_requests_send()


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_STORAGE_ERRORS,
    dont_autoretry_for=(FileNotFoundError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def review_photo_make_renditions(photo_id: int) -> None:
    """Thumbnails of one review photo (idempotent: a rerun finds them made)."""
    photo_render(photo_id=photo_id)
