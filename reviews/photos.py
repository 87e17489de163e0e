"""Review photos through the product photo pipeline: the same upload checks and re-encoding
(``marketplace.images``), the same renditions (``catalog.images``), made by a task after commit.

Files are written before the review's transaction and removed again if it fails; file names of
renditions are content hashes, so a rerun of the task finds what an interrupted run wrote.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from catalog import images
from marketplace.images import ImageRejected, reencode_original, validate_upload

from .models import MAX_PHOTOS, ReviewPhoto

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    ext: str
    width: int
    height: int


def photos_clean(uploads: list) -> list[CleanPhoto]:
    """Check and re-encode every upload before anything is stored; raise ``ImageRejected`` for the person."""
    if len(uploads) > MAX_PHOTOS:
        raise ImageRejected(f"Add at most {MAX_PHOTOS} photos to a review.")
    cleaned = []
    for upload in uploads:
        validate_upload(upload)
        data, ext, width, height = reencode_original(upload)
        cleaned.append(CleanPhoto(data=data, ext=ext, width=width, height=height))
    return cleaned


def photos_store(*, review, photos: list[CleanPhoto], written: list[str]) -> list[ReviewPhoto]:
    """Save ``photos`` for ``review``; each file's name is appended to ``written`` as soon as it exists,
    so the caller can remove them if its transaction fails. Caller is inside that transaction."""
    stored = []
    for position, photo in enumerate(photos):
        row = ReviewPhoto(review=review, position=position, width=photo.width, height=photo.height)
        row.original.save(f"{uuid.uuid4().hex}.{photo.ext}", ContentFile(photo.data), save=False)
        written.append(row.original.name)
        row.save()
        stored.append(row)
        transaction.on_commit(lambda pk=row.pk: _enqueue(pk))
    return stored


def photo_render(*, photo_id: int) -> ReviewPhoto | None:
    """Make a photo's display image and thumbnails (idempotent; a deleted photo is a no-op)."""
    photo = ReviewPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.renditions:
        return photo
    with default_storage.open(photo.original.name, "rb") as original:
        rendered = images.make_renditions(original.read())
    renditions = {
        label: {fmt: _store(photo, label, fmt, content) for fmt, content in files.items()}
        for label, files in rendered.items()
    }
    with transaction.atomic():
        locked = ReviewPhoto.objects.select_for_update().filter(pk=photo_id).first()
        if locked is not None and not locked.renditions:
            locked.renditions = renditions
            locked.save(update_fields=["renditions"])
            from .services import product_reviews_changed

            product_id = locked.review.product_id
            transaction.on_commit(lambda: product_reviews_changed(product_id))
    return locked


def photo_files(photo: ReviewPhoto) -> list[str]:
    names = [photo.original.name] if photo.original else []
    return names + [name for files in (photo.renditions or {}).values() for name in files.values()]


def photo_url(photo: ReviewPhoto, size: str) -> str:
    """The JPEG of rendition ``size`` ("200", "400", "display"), or the original until the task has run."""
    name = (photo.renditions or {}).get(size, {}).get("jpeg")
    return default_storage.url(name) if name else photo.original.url


def photos_delete_files(names: list[str]) -> None:
    _delete(names)


def _store(photo: ReviewPhoto, label: str, fmt: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:16]
    name = f"reviews/r/{photo.pk}-{digest}-{label}.{'jpg' if fmt == 'jpeg' else fmt}"
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(content))


def _enqueue(photo_id: int) -> None:
    from .tasks import review_photo_make_renditions

    review_photo_make_renditions.delay(photo_id)


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete review photo file %s; it is now orphaned", name)
