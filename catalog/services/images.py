"""Product photos: add, order, describe, delete, and render their thumbnails.

Callers (views, the API) have already checked that the acting user owns the product; nothing here
checks permissions. Every write that changes which photos a product has, or which one is primary,
locks the product row first, so two requests for the same product queue instead of racing the
ten-photo limit or the one-primary constraint.

Every write that changes what a shopper sees (which photos, their order, the primary one, alt text,
finished thumbnails) bumps the catalogue version once it commits: product pages, cards and search
results are cached under it and would otherwise show the old photos for up to ten minutes.
"""

import hashlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from catalog import images
from catalog.models import Product, ProductImage
from marketplace.cache_versions import catalogue_changed
from marketplace.images import ImageRejected, reencode_original, validate_upload

logger = logging.getLogger(__name__)

ALT_TEXT_MAX_LENGTH = ProductImage._meta.get_field("alt_text").max_length


class ProductImageError(Exception):
    """A refused photo operation; ``str(exc)`` is written for the vendor."""


def product_image_add(*, product: Product, uploaded_file, alt_text: str = "") -> ProductImage:
    """Validate, clean and store an uploaded photo as the product's last image.

    The caller has checked that the user owns ``product``. The upload is checked by content (JPEG or
    PNG, size, pixels, polyglots) and re-encoded without metadata before anything is stored. The first
    photo of a product becomes its primary photo. Thumbnails are made by a Celery task enqueued when
    the transaction commits; until then ``renditions`` is empty and pages show a placeholder.

    Raises ``ProductImageError`` with a message for the vendor.
    """
    alt_text = _clean_alt_text(alt_text)
    # Cheap early refusal, before the expensive decode; the locked count below is the one that counts.
    if ProductImage.objects.filter(product=product).count() >= images.MAX_IMAGES_PER_PRODUCT:
        raise ProductImageError(_too_many_message())
    try:
        validate_upload(uploaded_file)
        data, ext, width, height = reencode_original(uploaded_file)
    except ImageRejected as exc:
        raise ProductImageError(str(exc)) from exc

    # The file goes to storage before the transaction so the product row is locked only for the count
    # and the insert, not for an upload to blob storage. If the insert is refused or fails, the file
    # is removed again.
    image = ProductImage(product=product, alt_text=alt_text)
    image.original.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            Product.objects.select_for_update().only("pk").get(pk=product.pk)
            siblings = ProductImage.objects.filter(product=product)
            if siblings.count() >= images.MAX_IMAGES_PER_PRODUCT:
                raise ProductImageError(_too_many_message())
            last = siblings.aggregate(last=Max("position"))["last"]
            image.position = 0 if last is None else last + 1
            image.is_primary = not siblings.filter(is_primary=True).exists()
            image.width, image.height = width, height
            image.save()
    except BaseException:
        _delete_files([image.original.name])
        raise
    # Outside the block above, so a failing task in eager mode cannot look like a failed insert; inside
    # a caller's transaction this still waits for that transaction to commit.
    transaction.on_commit(lambda: _enqueue_renditions(image.pk))
    transaction.on_commit(catalogue_changed)
    return image


def product_image_set_primary(*, image: ProductImage) -> ProductImage:
    """Make ``image`` its product's primary photo. The caller has checked the user owns the product."""
    with transaction.atomic():
        Product.objects.select_for_update().only("pk").get(pk=image.product_id)
        # Unset first: the partial unique constraint allows one primary photo at any moment.
        ProductImage.objects.filter(product_id=image.product_id, is_primary=True).exclude(pk=image.pk).update(
            is_primary=False
        )
        updated = ProductImage.objects.filter(pk=image.pk).update(is_primary=True)
        if not updated:
            raise ProductImageError("That photo no longer exists.")
        transaction.on_commit(catalogue_changed)
    image.is_primary = True
    return image


def product_image_reorder(*, product: Product, ordered_ids: list[int]) -> None:
    """Put the product's photos in the order of ``ordered_ids`` (first = position 0).

    The caller has checked the user owns ``product``. ``ordered_ids`` must name each of the product's
    photos exactly once; anything else (a missing, foreign or repeated id) is refused, so a stale page
    cannot silently drop a photo from the order.
    """
    with transaction.atomic():
        Product.objects.select_for_update().only("pk").get(pk=product.pk)
        current = {image.pk: image for image in ProductImage.objects.filter(product=product)}
        if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != set(current):
            raise ProductImageError("The photos have changed since the page was loaded. Reload and try again.")
        for position, image_id in enumerate(ordered_ids):
            current[image_id].position = position
        ProductImage.objects.bulk_update(current.values(), ["position"])
        transaction.on_commit(catalogue_changed)


def product_image_update_alt(*, image: ProductImage, alt_text: str) -> ProductImage:
    """Set the photo's description for screen readers. The caller has checked the user owns the product."""
    image.alt_text = _clean_alt_text(alt_text)
    with transaction.atomic():
        if not ProductImage.objects.filter(pk=image.pk).update(alt_text=image.alt_text):
            raise ProductImageError("That photo no longer exists.")
        transaction.on_commit(catalogue_changed)
    return image


def product_image_delete(*, image: ProductImage) -> None:
    """Delete a photo and, once the deletion has committed, its files.

    The caller has checked the user owns the product. If it was the primary photo, the next photo by
    position becomes primary. Deleting a photo that is already gone does nothing.
    """
    with transaction.atomic():
        Product.objects.select_for_update().only("pk").get(pk=image.product_id)
        # Locked too: a render finishing right now must either land before we read the names of its
        # files or find the row gone (and then delete its own files).
        locked = ProductImage.objects.select_for_update().filter(pk=image.pk).first()
        if locked is None:
            return
        names = [locked.original.name, *_rendition_names(locked.renditions)]
        locked.delete()
        if locked.is_primary:
            successor = ProductImage.objects.filter(product_id=locked.product_id).order_by("position", "id").first()
            if successor is not None:
                ProductImage.objects.filter(pk=successor.pk).update(is_primary=True)
        # After commit: a rolled-back delete must still find its files. robust: a storage hiccup
        # leaves an orphaned file (logged), never an error after the row is already gone.
        transaction.on_commit(lambda: _delete_files(names), robust=True)
        transaction.on_commit(catalogue_changed)


def product_image_render(*, image_id: int) -> ProductImage | None:
    """Make the display image and thumbnails of a photo and record their storage names.

    Idempotent: a photo that already has all renditions is left alone, and file names are content
    hashes, so a rerun after a crash finds the files it already wrote instead of writing copies. A
    photo deleted meanwhile is a no-op (files written for it are removed). The decoding and encoding
    run outside any transaction; only the final write locks the image row.
    """
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or renditions_ready(image.renditions):
        return image
    with default_storage.open(image.original.name, "rb") as original:
        data = original.read()
    try:
        rendered = images.make_renditions(data)
    except ImageRejected as exc:
        # Only our own re-encoded originals get here, so this is a bug or corruption, not user error.
        raise ProductImageError(f"Photo {image_id} could not be rendered: {exc}") from exc

    renditions: dict[str, dict] = {}
    for label, files in rendered.items():
        width, height = images.encoded_size(files["jpeg"])
        names = {fmt: _store_rendition(image, label, fmt, content) for fmt, content in files.items()}
        renditions[label] = names | {"width": width, "height": height}

    with transaction.atomic():
        locked = ProductImage.objects.select_for_update().filter(pk=image_id).first()
        if locked is None:  # deleted while we rendered
            unused = _rendition_names(renditions)
        elif renditions_ready(locked.renditions):  # a concurrent run finished first
            unused = sorted(set(_rendition_names(renditions)) - set(_rendition_names(locked.renditions)))
        else:
            locked.renditions = renditions
            locked.save(update_fields=["renditions"])
            unused = []
            transaction.on_commit(catalogue_changed)  # pages showed the original or a placeholder
        if unused:
            transaction.on_commit(lambda: _delete_files(unused), robust=True)
    return locked


def renditions_ready(renditions: dict) -> bool:
    """True when every rendition label has both formats recorded."""
    return all(
        isinstance(renditions.get(label), dict) and {"webp", "jpeg"} <= renditions[label].keys()
        for label in images.RENDITION_LABELS
    )


# --- internals ------------------------------------------------------------------------------------


def _too_many_message() -> str:
    return f"A product can have at most {images.MAX_IMAGES_PER_PRODUCT} photos. Delete one before adding another."


def _clean_alt_text(alt_text: str) -> str:
    alt_text = " ".join((alt_text or "").split())
    if len(alt_text) > ALT_TEXT_MAX_LENGTH:
        raise ProductImageError(f"The description can be at most {ALT_TEXT_MAX_LENGTH} characters.")
    return alt_text


def _enqueue_renditions(image_id: int) -> None:
    from catalog.tasks import product_image_make_renditions  # tasks import this module

    product_image_make_renditions.delay(image_id)


def _store_rendition(image: ProductImage, label: str, fmt: str, content: bytes) -> str:
    # The image id keeps two photos with identical pixels from sharing (and later deleting) files;
    # the content hash makes names immutable, which the year-long CDN cache relies on.
    digest = hashlib.sha256(content).hexdigest()[:16]
    name = f"products/{image.product_id}/r/{image.pk}-{digest}-{label}.{'jpg' if fmt == 'jpeg' else fmt}"
    if default_storage.exists(name):  # written by an earlier, interrupted run: same bytes
        return name
    return default_storage.save(name, ContentFile(content))


def _rendition_names(renditions: dict) -> list[str]:
    return [
        name
        for files in renditions.values()
        if isinstance(files, dict)
        for fmt, name in files.items()
        if fmt in ("webp", "jpeg") and name
    ]


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete product image file %s; it is now orphaned", name)
