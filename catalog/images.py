"""Product photos: how many, and the renditions (display image and square thumbnails) made from an original.

The checks every upload passes, and the decoding helpers used here, live in ``marketplace/images.py``
(shop logos and banners pass the same checks). Renditions are RGB, transparency flattened onto white,
with the ICC profile kept so colours (Display P3 phone photos) stay right.
"""

import io

from PIL import ExifTags, Image

from marketplace.images import (
    RESAMPLE,
    image_convert,
    image_decode,
    image_draft,
    image_open,
    image_reduce,
    image_save,
)

MAX_IMAGES_PER_PRODUCT = 10

THUMBNAIL_SIZES = (400, 200)  # squares, cover-cropped around the centre
DISPLAY_MAX_SIDE = 1600
RENDITION_LABELS = ("200", "400", "display")

ORIGINAL_JPEG_QUALITY = 90
JPEG_QUALITY = 82
WEBP_QUALITY = 80
# libwebp's method trades encode time for size. On the bench photo, method 0 encodes the 1600 px image
# 4x faster than the default 4 for <1% more bytes; the small thumbnails can afford method 2.
WEBP_METHOD_DISPLAY = 0
WEBP_METHOD_THUMBNAIL = 2
_STORED = "The stored image"


def display_size(width: int, height: int) -> tuple[int, int]:
    """Size of the display rendition: longest side at most ``DISPLAY_MAX_SIDE``, never enlarged."""
    scale = min(1.0, DISPLAY_MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def encoded_size(data: bytes) -> tuple[int, int]:
    """Width and height read from the header of an image we encoded ourselves."""
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP")) as im:
        return im.size


def make_renditions(data: bytes) -> dict[str, dict[str, bytes]]:
    """All renditions of a stored original: {"200"|"400"|"display": {"webp": bytes, "jpeg": bytes}}.

    The display image is ``display_size(width, height)`` of the original (after orientation).
    """
    with image_open(data, _STORED) as im:
        width, height = im.size
        if im.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8):  # a quarter turn swaps the sides
            width, height = height, width
        scale = max(_thumbnail_scale(width, height), DISPLAY_MAX_SIDE / max(width, height))
        image_draft(im, scale)
        decoded = image_decode(im, _STORED)
        # A PNG has no reduced decoding: shrink it by a whole factor first, so conversion and resizing
        # copy the smaller image (a 16 MP RGBA original: peak ~200 -> ~110 MiB).
        src = image_convert(image_reduce(decoded, scale) if im.format == "PNG" else decoded, "RGB")
        target = display_size(width, height)
        display = src if src.size == target else src.resize(target, RESAMPLE, reducing_gap=3.0)
        renditions = {
            "display": {
                "webp": _encode(display, "WEBP", method=WEBP_METHOD_DISPLAY),
                # Baseline, not progressive: the JPEG is the fallback for browsers without WebP and
                # what link previews fetch, and progressive would double its encode time.
                "jpeg": _encode(display, "JPEG", progressive=False),
            }
        }
        # The display image is a well-filtered source, cheaper to crop from than the decode, unless a
        # panorama made it too thin for a sharp 400 px square.
        return renditions | _thumbnails(display if min(display.size) >= THUMBNAIL_SIZES[0] else src)


def make_thumbnails(
    data: bytes, *, use_draft: bool = True, reducing_gap: float | None = 2.0
) -> dict[str, dict[str, bytes]]:
    """Only the square thumbnails: {"400": {"webp": bytes, "jpeg": bytes}, "200": {...}}.

    The keyword arguments exist so ``bench_images`` can time the same work without draft decoding
    (``use_draft=False``) and without a box-filter pre-reduction (``reducing_gap=None``).
    """
    with image_open(data, _STORED) as im:
        if use_draft:
            image_draft(im, _thumbnail_scale(*im.size))
        return _thumbnails(image_convert(image_decode(im, _STORED), "RGB"), reducing_gap=reducing_gap)


def _thumbnail_scale(width: int, height: int) -> float:
    return THUMBNAIL_SIZES[0] / min(width, height)


def _thumbnails(src: Image.Image, *, reducing_gap: float | None = 2.0) -> dict[str, dict[str, bytes]]:
    big_side, small_side = THUMBNAIL_SIZES
    side = min(src.size)
    left, top = (src.width - side) // 2, (src.height - side) // 2
    box = (left, top, left + side, top + side)
    # reducing_gap 2: a fast box-filter reduce() by an integer factor, then Lanczos over the last >= 2x;
    # close to Lanczos all the way at a fraction of the cost (Pillow's thumbnail() default).
    big = src.resize((big_side, big_side), RESAMPLE, box=box, reducing_gap=reducing_gap)
    small = big.resize((small_side, small_side), RESAMPLE)  # exactly half: cheap and sharp
    return {
        str(im.width): {"webp": _encode(im, "WEBP", method=WEBP_METHOD_THUMBNAIL), "jpeg": _encode(im, "JPEG")}
        for im in (big, small)
    }


def _encode(im: Image.Image, fmt: str, **options) -> bytes:
    if fmt == "JPEG":
        options = {"quality": JPEG_QUALITY, "progressive": True, "optimize": True} | options
    else:
        options |= {"quality": WEBP_QUALITY}
    out = io.BytesIO()
    image_save(im, out, fmt, **options)
    return out.getvalue()
