from celery import shared_task

from catalog.tasks import RENDITION_TASK_OPTIONS

from .photos import photo_render
from .services import review_requests_send


@shared_task
def send_review_requests() -> int:
    """Hourly (beat): ask buyers for a review some days after delivery, once per order."""
    return review_requests_send()


@shared_task(**RENDITION_TASK_OPTIONS)
def review_photo_make_renditions(photo_id: int) -> None:
    """Thumbnails of one review photo (idempotent: a rerun finds them made)."""
    photo_render(photo_id=photo_id)
