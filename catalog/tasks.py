"""Catalog background work. Thin: each task loads fresh state through a service by primary key."""

from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from celery import shared_task

from catalog.services.images import product_image_render

# Storage that did not answer (network, timeouts, a throttled blob service) is worth another try. A
# missing file is not: it will still be missing in ten minutes.
TRANSIENT_STORAGE_ERRORS = (OSError, ServiceRequestError, ServiceResponseError)
# Image renditions: storage hiccups are retried with backoff; a file that is gone is not.
RENDITION_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_STORAGE_ERRORS,
    "dont_autoretry_for": (FileNotFoundError,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RENDITION_TASK_OPTIONS)
def product_image_make_renditions(image_id: int) -> None:
    """Make a product photo's display image and thumbnails. Idempotent; a deleted photo is a no-op."""
    product_image_render(image_id=image_id)


@shared_task
def refresh_search_words() -> int:
    """Hourly (beat): rebuild the "Did you mean" vocabulary from listed titles and tags."""
    from catalog.services.search_index import search_words_refresh

    return search_words_refresh()


@shared_task
def send_follow_digests() -> int:
    """Daily (beat): the weekly "new from shops you follow" email, to each subscriber at most once per ISO week."""
    from catalog.services.follow_digest import follow_digest_send_all

    return follow_digest_send_all()
