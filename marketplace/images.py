"""Uploaded pictures (product photos, shop logos and banners): checks and decoding, on bytes. No ORM, no storage.

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
artwork, logos and cut-outs JPEG would smear. Conversions keep the ICC profile while it still
describes the pixels, so colours (Display P3 phone photos) stay right.

Shared by the catalogue (product photos and their renditions, ``catalog/images.py``) and the shops
(logo and banner, ``vendors/services/shops.py``), so neither app imports the other for it.
"""

import io
import math
import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Memory, not bytes, is what a picture costs: a 150 KB PNG of one colour can hold 49 megapixels,
# ~190 MiB once decoded (Pillow keeps 4 bytes a pixel). So the pixels decoded at once are bounded,
# judged from the header before any decoding:
# - at most DECODE_MAX_PIXELS (16 MP: 61 MiB decoded) are ever held at once;
# - a JPEG up to MAX_PIXELS (a 50 MP phone photo) is decoded by libjpeg at 1/2 or 1/4 scale straight
#   from its DCT coefficients, so it never exists at full size in memory, and is stored at that size;
# - a PNG has no reduced decoding, so one over DECODE_MAX_PIXELS is refused.
# The bound: the decoded pixels plus at most one copy, 2 x 61 MiB = 128 MiB, per upload and per
# thumbnail task (which works from the stored original). Measured with ``manage.py bench_upload_memory``:
# uploads 19-33 MiB, tasks up to 109 MiB (a 16 MP transparent PNG); the 49 MP PNG is refused unread.
MAX_PIXELS = 50_000_000
DECODE_MAX_PIXELS = 16_000_000
ORIGINAL_JPEG_QUALITY = 90

RESAMPLE = Image.Resampling.LANCZOS
_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png"}  # Pillow opens a JPEG with MPF images as MPO
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)
_MARKUP = re.compile(rb"<(?:script|\?php|html|iframe|!doctype html)", re.IGNORECASE)
_FOREIGN = re.compile(rb"PK\x03\x04|PK\x05\x06|Rar!\x1a\x07|7z\xbc\xaf\x27\x1c|%PDF-|\x7fELF|\xca\xfe\xba\xbe")
_ZIP_TAIL = 65_557  # a ZIP reader looks for its end record in the last 64 KiB + 22 bytes
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")  # ends JPEG scan data: not stuffing, not a restart
_PADDING = b"\x00\t\n\r "
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
    with image_open(data, label) as im:
        fmt, (width, height) = im.format, im.size
        try:
            im.verify()
        except DECODE_ERRORS as exc:
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
    with image_open(_read(file, label), label) as im:
        fmt = im.format
        image_draft_within(im, DECODE_MAX_PIXELS)
        image_decode(im, label)
        if fmt == "PNG":
            alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
            out_im = image_convert(im, "RGBA" if alpha else "L" if im.mode in _GREY_MODES else "RGB")
            options = {}
        else:
            out_im = image_convert(im, "L" if im.mode == "L" else "RGB")
            options = {"quality": ORIGINAL_JPEG_QUALITY}
        out = io.BytesIO()
        image_save(out_im, out, "PNG" if fmt == "PNG" else "JPEG", **options)
        return out.getvalue(), _EXTENSIONS[fmt], out_im.width, out_im.height


# --- decoding, for anything that turns an upload into other images ---------------------------------


def image_open(data: bytes, label: str) -> Image.Image:
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
    except DECODE_ERRORS as exc:
        raise _damaged(label) from exc
    width, height = im.size
    if im.format not in _EXTENSIONS or not width or not height:
        im.close()
        raise ImageRejected(f"{label} is not a JPG or PNG image.")
    jpeg = im.format != "PNG"
    if width * height > (MAX_PIXELS if jpeg else DECODE_MAX_PIXELS):
        im.close()
        size = f"{label} is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels)"
        if jpeg:
            raise ImageRejected(f"{size}; the limit is {MAX_PIXELS // 1_000_000} megapixels.")
        raise ImageRejected(
            f"{size}; a PNG can be at most {DECODE_MAX_PIXELS // 1_000_000} megapixels. "
            f"Save a photo as JPG (up to {MAX_PIXELS // 1_000_000} megapixels), or make the PNG smaller."
        )
    return im


def image_draft(im: Image.Image, scale: float) -> None:
    # libjpeg decodes at 1/2, 1/4 or 1/8 scale straight from the DCT coefficients, never below the size
    # asked for. It must be set before anything loads the image (load, convert, getdata, exif_transpose)
    # or it is silently ignored.
    if im.format in ("JPEG", "MPO") and scale < 1:
        im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))


def image_draft_within(im: Image.Image, max_pixels: int) -> None:
    """Have a JPEG decode at the largest of 1/2, 1/4 or 1/8 scale that holds at most ``max_pixels``.

    Call before decoding. Pillow picks the smallest reduction that keeps at least the size asked for,
    so asking for exactly ``size // d`` gets scale 1/d. Other formats are decoded whole (``image_open``
    refuses a PNG over ``DECODE_MAX_PIXELS``).
    """
    if im.format not in ("JPEG", "MPO") or im.width * im.height <= max_pixels:
        return
    divisor = next((d for d in (2, 4, 8) if (im.width // d) * (im.height // d) <= max_pixels), 8)
    im.draft("RGB", (max(1, im.width // divisor), max(1, im.height // divisor)))


def image_reduce(im: Image.Image, scale: float) -> Image.Image:
    """``im`` shrunk by the largest whole factor that keeps it at least ``scale`` of its size (a cheap box
    filter), so conversions and resizes after it work on fewer pixels; ``im`` itself if none applies."""
    factor = math.floor(1 / scale) if scale > 0 else 1
    return im.reduce(factor) if factor >= 2 else im


def image_decode(im: Image.Image, label: str) -> Image.Image:
    """Decode (at the draft scale, if set) and turn the pixels the way the EXIF orientation says."""
    try:
        ImageOps.exif_transpose(im, in_place=True)
    except DECODE_ERRORS as exc:
        raise _damaged(label) from exc
    return im


def image_convert(im: Image.Image, mode: str) -> Image.Image:
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


def image_save(im: Image.Image, out: io.BytesIO, fmt: str, **options) -> None:
    icc = im.info.get("icc_profile")
    im.save(out, fmt, **options, **({"icc_profile": icc} if icc else {}))


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
