"""Product photos: checks and transforms on bytes. No ORM, no storage.

An upload is judged by content, never by name or browser MIME type: at most ``MAX_UPLOAD_BYTES`` and
``MAX_PIXELS``, opened by Pillow as JPEG or PNG only (no other decoder sees it), ``verify()`` passes,
and it ends where its format says (JPEG: EOI marker; PNG: IEND chunk), else it is truncated.

Polyglots: (1) no HTML/PHP/script markup anywhere, and no ZIP end record where a ZIP reader would find
it; (2) after a PNG's IEND, only padding; (3) after a JPEG's EOI, only padding, whole JPEGs (the MPF
images and gain maps phones append) and the trailers phones write (Samsung's, ending in ``SEFT``; a
motion photo's MP4, starting with an ``ftyp`` box), which must carry no archive, executable or PDF
signature. Anything else after the end marker is refused. (Refusing every trailer would turn away
ordinary phone photos; the Exif spec tells readers to expect data after EOI.) Defence in depth: the
stored original is a re-encode of the decoded pixels, so no upload byte (payload, EXIF, GPS) is kept.

A JPEG original stays JPEG (quality 90); a PNG stays PNG, lossless in and out, as PNGs are mostly
artwork, logos and cut-outs JPEG would smear. Renditions are RGB, transparency flattened onto white,
with the ICC profile kept so colours (Display P3 phone photos) stay right.
"""

import io
import math
import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MAX_IMAGES_PER_PRODUCT = 10
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000

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

_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png"}  # Pillow opens a JPEG with MPF images as MPO
_RESAMPLE = Image.Resampling.LANCZOS
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)
_MARKUP = re.compile(rb"<(?:script|\?php|html|iframe|!doctype html)", re.IGNORECASE)
_FOREIGN = re.compile(rb"PK\x03\x04|PK\x05\x06|Rar!\x1a\x07|7z\xbc\xaf\x27\x1c|%PDF-|\x7fELF|\xca\xfe\xba\xbe")
_ZIP_TAIL = 65_557  # a ZIP reader looks for its end record in the last 64 KiB + 22 bytes
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")  # ends JPEG scan data: not stuffing, not a restart
_PADDING = b"\x00\t\n\r "
_STORED = "The stored image"
_GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "F")
_ISO_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}
_MAGIC = {b"GIF8": "GIF", b"%!PS": "EPS", b"\xc5\xd0\xd3\xc6": "EPS", b"%PDF": "PDF", b"II*\x00": "TIFF"}


class ImageRejected(Exception):
    """The file is not a photo we accept; ``str(exc)`` is written for the person who uploaded it."""


@dataclass(frozen=True)
class ValidatedImage:
    format: str  # "JPEG" or "PNG"
    width: int
    height: int


def validate_upload(file) -> ValidatedImage:
    """Check an upload (anything with ``read``, ideally ``seek`` and ``name``); raise ``ImageRejected``."""
    label = _label(file)
    data = _read(file, label)
    with _open(data, label) as im:
        fmt, (width, height) = im.format, im.size
        try:
            im.verify()
        except _DECODE_ERRORS as exc:
            raise _damaged(label) from exc
    end = _png_end(data) if fmt == "PNG" else _jpeg_end(data)
    if end is None:
        raise _damaged(label)
    if _MARKUP.search(data) or b"PK\x05\x06" in data[-_ZIP_TAIL:]:
        raise ImageRejected(f"{label} contains web-page, script or archive data and was refused.")
    if not _trailer_allowed(data, end, jpeg=fmt != "PNG"):
        raise ImageRejected(
            f"{label} has extra data after the end of the picture (for example an attached file). "
            "Please save it again as a plain JPG or PNG."
        )
    return ValidatedImage(format="PNG" if fmt == "PNG" else "JPEG", width=width, height=height)


def reencode_original(file) -> tuple[bytes, str, int, int]:
    """The upload re-encoded from its pixels: (bytes, extension, width, height).

    EXIF (GPS, camera serials), XMP and comments are dropped; the EXIF orientation is applied to the
    pixels. Call ``validate_upload`` first: this re-checks only what decoding itself catches.
    """
    label = _label(file)
    with _open(_read(file, label), label) as im:
        fmt = im.format
        _load(im, label)
        if fmt == "PNG":
            alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
            out_im = _convert(im, "RGBA" if alpha else "L" if im.mode in _GREY_MODES else "RGB")
            options = {}
        else:
            out_im = _convert(im, "L" if im.mode == "L" else "RGB")
            options = {"quality": ORIGINAL_JPEG_QUALITY}
        out = io.BytesIO()
        _save(out_im, out, "PNG" if fmt == "PNG" else "JPEG", **options)
        return out.getvalue(), _EXTENSIONS[fmt], out_im.width, out_im.height


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
    with _open(data, _STORED) as im:
        width, height = im.size
        if im.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8):  # a quarter turn swaps the sides
            width, height = height, width
        _draft(im, max(_thumbnail_scale(width, height), DISPLAY_MAX_SIDE / max(width, height)))
        src = _convert(_load(im, _STORED), "RGB")
        target = display_size(width, height)
        display = src if src.size == target else src.resize(target, _RESAMPLE, reducing_gap=3.0)
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
    with _open(data, _STORED) as im:
        if use_draft:
            _draft(im, _thumbnail_scale(*im.size))
        return _thumbnails(_convert(_load(im, _STORED), "RGB"), reducing_gap=reducing_gap)


# --- internals ------------------------------------------------------------------------------------


def _label(file) -> str:
    name = PurePath(str(getattr(file, "name", "") or "")).name
    return f"“{name}”" if name else "This file"


def _damaged(label: str) -> ImageRejected:
    return ImageRejected(f"{label} is damaged or incomplete. Please export it again.")


def _read(file, label: str) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_UPLOAD_BYTES + 1)  # never more than one byte past the limit
    if hasattr(file, "seek"):
        file.seek(0)
    if len(data) > MAX_UPLOAD_BYTES:
        size = getattr(file, "size", None) or len(data)
        raise ImageRejected(f"{label} is {size / 1024 / 1024:.1f} MB; photos can be at most 5 MB.")
    return data


def _open(data: bytes, label: str) -> Image.Image:
    """Open as JPEG or PNG (header only), refusing other formats and too many pixels."""
    try:
        # Pillow warns above its own limit (89 MP) and raises above twice that; both mean "too big".
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"{label} has too many pixels; the limit is 50 megapixels.") from exc
    except UnidentifiedImageError as exc:
        kind = _sniff(data)
        if kind:
            raise ImageRejected(f"{label} is a {kind} file; only JPG and PNG photos are accepted.") from exc
        raise ImageRejected(f"{label} is not a JPG or PNG image.") from exc
    except _DECODE_ERRORS as exc:
        raise _damaged(label) from exc
    width, height = im.size
    if width * height > MAX_PIXELS:
        im.close()
        raise ImageRejected(
            f"{label} is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels); the limit is 50 megapixels."
        )
    if im.format not in _EXTENSIONS or not width or not height:
        im.close()
        raise ImageRejected(f"{label} is not a JPG or PNG image.")
    return im


def _sniff(data: bytes) -> str | None:
    """Name a refused format, so the message can say what the file is."""
    if data[4:8] == b"ftyp":  # ISO media: iPhone HEIC, AVIF, video
        return _ISO_BRANDS.get(data[8:12], "video")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    kind = next((name for magic, name in _MAGIC.items() if data.startswith(magic)), None)
    return kind or ("SVG" if b"<svg" in data[:4096].lower() else None)


def _jpeg_end(data: bytes, start: int = 0) -> int | None:
    """Offset just past the EOI of the JPEG at ``start``, or None if the data ends or breaks first."""
    pos, size = start + 2, len(data)
    while pos + 2 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
        elif marker == 0xD9:
            return pos + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
        else:
            if pos + 4 > size or (length := int.from_bytes(data[pos + 2 : pos + 4])) < 2:
                return None
            pos += 2 + length
            if marker == 0xDA:  # start of scan: entropy-coded data runs until the next real marker
                found = _NEXT_MARKER.search(data, pos)
                if found is None:
                    return None
                pos = found.start()
    return None


def _png_end(data: bytes) -> int | None:
    """Offset just past the IEND chunk, or None if the data ends first."""
    pos, size = 8, len(data)
    while pos + 12 <= size:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= size else None
    return None


def _trailer_allowed(data: bytes, end: int, *, jpeg: bool) -> bool:
    while jpeg and data.startswith(b"\xff\xd8\xff", end):  # MPF images, each a whole JPEG
        if (end := _jpeg_end(data, end)) is None:
            return False
    trailer = data[end:]
    if not trailer.strip(_PADDING):
        return True
    known = trailer.rstrip(_PADDING).endswith(b"SEFT") or trailer[4:8] == b"ftyp"
    return jpeg and known and not _FOREIGN.search(trailer)


def _thumbnail_scale(width: int, height: int) -> float:
    return THUMBNAIL_SIZES[0] / min(width, height)


def _draft(im: Image.Image, scale: float) -> None:
    # libjpeg decodes at 1/2, 1/4 or 1/8 scale straight from the DCT coefficients, never below the size
    # asked for. It must be set before anything loads the image (load, convert, getdata, exif_transpose)
    # or it is silently ignored.
    if im.format in ("JPEG", "MPO") and scale < 1:
        im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))


def _load(im: Image.Image, label: str) -> Image.Image:
    """Decode (at the draft scale, if set) and turn the pixels the way the EXIF orientation says."""
    try:
        ImageOps.exif_transpose(im, in_place=True)
    except _DECODE_ERRORS as exc:
        raise _damaged(label) from exc
    return im


def _convert(im: Image.Image, mode: str) -> Image.Image:
    """``im`` in ``mode`` (RGB, RGBA or L), transparency flattened onto white for RGB; ``info`` cleared.

    The ICC profile is kept only while it still describes the pixels (not grey to colour, not CMYK to
    RGB: those fall back to sRGB, which is what a browser assumes without a profile).
    """
    icc = im.info.get("icc_profile") if (im.mode in _GREY_MODES) == (mode == "L") and im.mode != "CMYK" else None
    if im.mode in ("I", "I;16", "I;16B"):  # 16-bit grey: convert() would clip, not scale, to 8 bits
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode == "RGB" and (im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info):
        rgba = im.convert("RGBA")
        out = Image.new("RGB", im.size, "white")
        out.paste(rgba, mask=rgba.getchannel("A"))
    else:
        out = im if im.mode == mode else im.convert(mode)
    # Encoders copy metadata from info on their own (JPEG: the comment; PNG: transparency).
    out.info = {"icc_profile": icc} if icc else {}
    return out


def _thumbnails(src: Image.Image, *, reducing_gap: float | None = 2.0) -> dict[str, dict[str, bytes]]:
    big_side, small_side = THUMBNAIL_SIZES
    side = min(src.size)
    left, top = (src.width - side) // 2, (src.height - side) // 2
    box = (left, top, left + side, top + side)
    # reducing_gap 2: a fast box-filter reduce() by an integer factor, then Lanczos over the last >= 2x;
    # close to Lanczos all the way at a fraction of the cost (Pillow's thumbnail() default).
    big = src.resize((big_side, big_side), _RESAMPLE, box=box, reducing_gap=reducing_gap)
    small = big.resize((small_side, small_side), _RESAMPLE)  # exactly half: cheap and sharp
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
    _save(im, out, fmt, **options)
    return out.getvalue()


def _save(im: Image.Image, out: io.BytesIO, fmt: str, **options) -> None:
    icc = im.info.get("icc_profile")
    im.save(out, fmt, **options, **({"icc_profile": icc} if icc else {}))
