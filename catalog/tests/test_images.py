"""Product photos: what uploads are refused, what is stored, the thumbnail task, and the template tag."""

import io
import os
import struct
import zipfile
import zlib

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from PIL import ExifTags, Image, ImageCms

from catalog import images
from catalog.models import ProductImage
from catalog.services.images import (
    ProductImageError,
    product_image_add,
    product_image_delete,
    product_image_reorder,
    product_image_set_primary,
    product_image_update_alt,
    renditions_ready,
)
from catalog.tasks import product_image_make_renditions
from catalog.tests.factories import ProductFactory
from marketplace import images as uploads

# --- helpers --------------------------------------------------------------------------------------


def _photo(width=64, height=48, fmt="JPEG", **save_options) -> bytes:
    """A small image with a red left half and a blue right half (so orientation is visible)."""
    im = Image.new("RGB", (width, height), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, width // 2, height))
    out = io.BytesIO()
    im.save(out, fmt, **save_options)
    return out.getvalue()


def _upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height``: a decompression bomb's calling card."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a photo")  # no markup: the ZIP itself must be what is caught
    return out.getvalue()


def _reject_message(data: bytes, name: str = "photo.jpg") -> str:
    product = ProductFactory()
    with pytest.raises(ProductImageError) as excinfo:
        product_image_add(product=product, uploaded_file=_upload(data, name))
    assert not product.images.exists()
    assert not _stored_files()  # refused before anything reached storage
    return str(excinfo.value)


def _stored_files() -> set[str]:
    root = default_storage.path("")
    return {os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files}


# --- refused uploads ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_eleventh_photo_is_refused():
    product = ProductFactory()
    for n in range(images.MAX_IMAGES_PER_PRODUCT):
        product_image_add(product=product, uploaded_file=_upload(_photo(), f"p{n}.jpg"))
    with pytest.raises(ProductImageError, match="at most 10 photos"):
        product_image_add(product=product, uploaded_file=_upload(_photo(), "eleven.jpg"))
    assert product.images.count() == 10
    assert len(_stored_files()) == 10  # the refused one left no file behind


@pytest.mark.django_db
def test_a_six_megabyte_file_is_refused():
    data = _photo() + b"\x00" * (6 * 1024 * 1024)
    assert "is 6.0 MB; photos can be at most 5 MB" in _reject_message(data, "big.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("anim.gif", _photo(fmt="GIF"), "GIF"),
        ("photo.webp", _photo(fmt="WEBP"), "WebP"),
        (
            "logo.svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG",
        ),
        ("art.eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto showpage\n", "EPS"),
    ],
)
def test_other_image_formats_are_refused_by_content(name, data, kind):
    # Named .jpg and sent as image/jpeg: only the content counts.
    message = _reject_message(data, name.rsplit(".", 1)[0] + ".jpg")
    assert f"is a {kind} file; only JPG and PNG photos are accepted" in message


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused():
    assert "is not a JPG or PNG image" in _reject_message(b"just some notes\n" * 50, "notes.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt):
    data = _photo(640, 480, fmt)
    assert "is damaged or incomplete" in _reject_message(data[: len(data) * 2 // 3])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20000, 20000),  # 400 MP: Pillow's DecompressionBombError
        (10000, 10000),  # 100 MP: Pillow's DecompressionBombWarning, turned into a refusal
        (8000, 8000),  # 64 MP: under Pillow's limits, over ours
    ],
)
def test_a_decompression_bomb_is_refused_before_decoding(width, height):
    data = _png_claiming(width, height)
    assert len(data) < 200
    message = _reject_message(data, "bomb.png")
    assert "too many pixels" in message or "a PNG can be at most 16 megapixels" in message


# What one upload, or its thumbnail task, may cost in memory: the pixels decoded at once are at most
# marketplace.images.DECODE_MAX_PIXELS (16 MP, 4 bytes each in Pillow: 61 MiB), plus one copy.
UPLOAD_MEMORY_BOUND_MIB = 128


@pytest.mark.django_db
def test_a_49_megapixel_png_is_refused_from_its_header_before_decoding():
    from catalog.management.commands.bench_upload_memory import peak_memory, png_flat

    data = png_flat(7000, 7000)  # a real PNG of one colour: ~150 KB that decodes to ~190 MiB
    assert len(data) < 200_000
    assert "megapixels" in _reject_message(data, "flat.png")
    peak = peak_memory(data)
    assert peak["result"].startswith("refused") and peak["upload"] < 10  # never decoded


@pytest.mark.django_db
def test_a_48_megapixel_jpeg_is_decoded_at_half_scale_within_the_memory_bound():
    from catalog.management.commands.bench_upload_memory import peak_memory, smooth_image

    peak = peak_memory(smooth_image(8000, 6000, "JPEG"))
    assert peak["result"] == "stored 4000x3000"
    assert peak["upload"] < UPLOAD_MEMORY_BOUND_MIB and peak["task"] < UPLOAD_MEMORY_BOUND_MIB


@pytest.mark.django_db
@pytest.mark.parametrize("alpha", [False, True])
def test_the_largest_png_accepted_stays_within_the_memory_bound(alpha):
    from catalog.management.commands.bench_upload_memory import peak_memory, smooth_image

    peak = peak_memory(smooth_image(4000, 4000, "PNG", alpha=alpha))
    assert peak["result"] == "stored 4000x4000"
    assert peak["upload"] < UPLOAD_MEMORY_BOUND_MIB and peak["task"] < UPLOAD_MEMORY_BOUND_MIB


@pytest.mark.django_db
def test_a_jpeg_with_a_zip_appended_is_refused():
    assert "archive data and was refused" in _reject_message(_photo() + _zip_bytes())


@pytest.mark.django_db
def test_a_png_with_html_appended_is_refused():
    data = _photo(fmt="PNG") + b"<html><body onload=alert(1)></body></html>"
    assert "web-page, script or archive data" in _reject_message(data, "photo.png")


@pytest.mark.django_db
def test_a_jpeg_with_a_script_in_its_comment_is_refused():
    data = _photo(comment=b"<SCRIPT>fetch('/account')</SCRIPT>")
    assert "web-page, script or archive data" in _reject_message(data)


@pytest.mark.django_db
def test_unknown_data_after_the_end_of_a_jpeg_is_refused():
    assert "extra data after the end of the picture" in _reject_message(_photo() + b"#!/bin/sh\nrm -rf ~\n")


def test_trailers_that_phones_write_are_accepted():
    for data in (
        _photo() + _photo(32, 24),  # MPF: a second JPEG (depth map, gain map)
        _photo() + b"\x00" * 512,  # padding
        _photo() + b"SEFH" + b"\x01" * 60 + b"SEFT",  # Samsung trailer
        _photo() + b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200,  # motion photo video
    ):
        assert uploads.validate_upload(io.BytesIO(data)) == uploads.ValidatedImage("JPEG", 64, 48)


def test_a_png_is_validated_as_png():
    assert uploads.validate_upload(io.BytesIO(_photo(fmt="PNG"))) == uploads.ValidatedImage("PNG", 64, 48)


# --- what is stored -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_exif_and_gps_are_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: turn 90° clockwise to view
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 22.0, 30.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 21.0, 42.0)
    data = _photo(60, 40, exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload has GPS

    image = product_image_add(product=ProductFactory(), uploaded_file=_upload(data))

    with default_storage.open(image.original.name, "rb") as f:
        stored = f.read()
    assert b"Exif" not in stored and b"PhoneCo" not in stored
    with Image.open(io.BytesIO(stored)) as im:
        assert im.format == "JPEG"
        assert "exif" not in im.info
        assert not im.getexif()
        assert im.size == (40, 60) == (image.width, image.height)
        # The red left half of the sideways picture is now the top.
        red, blue = im.convert("RGB").getpixel((20, 10)), im.convert("RGB").getpixel((20, 50))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60


def test_the_colour_profile_is_kept_and_comments_are_dropped():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original, ext, _width, _height = uploads.reencode_original(
        io.BytesIO(_photo(900, 600, icc_profile=profile, comment=b"shot at 12 Elm Street"))
    )
    assert ext == "jpg" and b"Elm Street" not in original
    assert Image.open(io.BytesIO(original)).info["icc_profile"] == profile
    for files in images.make_renditions(original).values():
        for data in files.values():
            assert Image.open(io.BytesIO(data)).info["icc_profile"] == profile


@pytest.mark.django_db
def test_a_png_stays_a_png_and_keeps_transparency():
    im = Image.new("RGBA", (50, 30), (10, 200, 10, 0))
    out = io.BytesIO()
    im.save(out, "PNG")
    image = product_image_add(product=ProductFactory(), uploaded_file=_upload(out.getvalue(), "cutout.png"))
    assert image.original.name.endswith(".png")
    with default_storage.open(image.original.name, "rb") as f, Image.open(f) as stored:
        assert stored.format == "PNG" and stored.mode == "RGBA"


@pytest.mark.django_db
def test_a_16_bit_grey_png_is_scaled_not_clipped():
    out = io.BytesIO()
    Image.new("I;16", (40, 30), 40000).save(out, "PNG")
    image = product_image_add(product=ProductFactory(), uploaded_file=_upload(out.getvalue(), "scan.png"))
    with default_storage.open(image.original.name, "rb") as f, Image.open(f) as stored:
        assert stored.mode == "L" and stored.getpixel((5, 5)) == 40000 // 256


@pytest.mark.django_db
def test_first_photo_is_primary_and_photos_are_appended_in_order():
    product = ProductFactory()
    first = product_image_add(product=product, uploaded_file=_upload(_photo()), alt_text="  Blue   mug ")
    second = product_image_add(product=product, uploaded_file=_upload(_photo()))
    assert (first.is_primary, first.position, first.alt_text) == (True, 0, "Blue mug")
    assert (second.is_primary, second.position) == (False, 1)
    assert first.original.name.startswith(f"products/{product.pk}/") and first.original.name != second.original.name


# --- renditions -----------------------------------------------------------------------------------


def test_renditions_have_the_right_sizes_and_formats():
    renditions = images.make_renditions(_photo(2400, 1800, quality=90))
    expected = {"display": (1600, 1200), "400": (400, 400), "200": (200, 200)}
    assert renditions.keys() == expected.keys()
    for label, files in renditions.items():
        assert files.keys() == {"webp", "jpeg"}
        for fmt, data in files.items():
            with Image.open(io.BytesIO(data)) as im:
                assert im.format == fmt.upper()
                assert im.size == expected[label]
                assert "exif" not in im.info
    with Image.open(io.BytesIO(renditions["400"]["jpeg"])) as thumb:
        assert thumb.info.get("progressive") or thumb.info.get("progression")


def test_thumbnails_are_cropped_around_the_centre():
    # A wide picture: a green centre band between red edges; a centred square crop sees only green.
    im = Image.new("RGB", (1200, 400), (255, 0, 0))
    im.paste((0, 255, 0), (400, 0, 800, 400))
    out = io.BytesIO()
    im.save(out, "PNG")
    renditions = images.make_renditions(out.getvalue())
    with Image.open(io.BytesIO(renditions["200"]["webp"])) as thumb:
        thumb = thumb.convert("RGB")
        for point in ((5, 5), (100, 100), (194, 194)):
            r, g, _b = thumb.getpixel(point)
            assert g > 200 and r < 60
    with Image.open(io.BytesIO(renditions["display"]["jpeg"])) as display:
        assert display.size == (1200, 400)  # never enlarged


def test_draft_mode_gives_the_same_thumbnails_as_a_full_decode():
    data = _photo(3200, 2400, quality=90)
    draft = images.make_thumbnails(data)
    full = images.make_thumbnails(data, use_draft=False)
    for label in ("200", "400"):
        with Image.open(io.BytesIO(draft[label]["jpeg"])) as a, Image.open(io.BytesIO(full[label]["jpeg"])) as b:
            assert a.size == b.size == (int(label),) * 2
            assert a.convert("RGB").getpixel((10, 10)) == pytest.approx(b.convert("RGB").getpixel((10, 10)), abs=8)


@pytest.mark.django_db
def test_the_task_is_idempotent_and_a_deleted_photo_is_a_no_op():
    image = product_image_add(product=ProductFactory(), uploaded_file=_upload(_photo(900, 600)))
    assert image.renditions == {}

    product_image_make_renditions.delay(image.pk)
    image.refresh_from_db()
    first = image.renditions
    files_after_first_run = _stored_files()
    assert renditions_ready(first)
    assert (first["display"]["width"], first["display"]["height"]) == (900, 600)  # never enlarged
    assert len(files_after_first_run) == 1 + 6

    product_image_make_renditions.delay(image.pk)  # already done: nothing changes
    image.refresh_from_db()
    assert image.renditions == first
    assert _stored_files() == files_after_first_run

    image.renditions = {}  # as if the first run died after writing its files
    image.save(update_fields=["renditions"])
    product_image_make_renditions.delay(image.pk)
    image.refresh_from_db()
    assert image.renditions == first  # content-hashed names: the same files, no copies
    assert _stored_files() == files_after_first_run

    product_image_make_renditions.delay(987654321)  # no such photo: no error


@pytest.mark.django_db
def test_rendition_names_are_content_hashed_under_the_product(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(product=product, uploaded_file=_upload(_photo(800, 800)))
    image.refresh_from_db()
    name = image.renditions["400"]["webp"]
    assert name.startswith(f"products/{product.pk}/r/{image.pk}-") and name.endswith("-400.webp")
    assert len(name.rsplit("/", 1)[1].split("-")[1]) == 16
    assert image.renditions["200"]["jpeg"].endswith("-200.jpg")


# --- the full path, on both storages ------------------------------------------------------------------


def _upload_and_render(django_capture_on_commit_callbacks) -> ProductImage:
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(
            product=ProductFactory(), uploaded_file=_upload(_photo(2000, 1500, quality=90)), alt_text="Teal bowl"
        )
        assert ProductImage.objects.get(pk=image.pk).renditions == {}  # the task waits for the commit
    image.refresh_from_db()
    assert renditions_ready(image.renditions)
    return image


@pytest.mark.django_db
def test_upload_to_renditions_on_the_filesystem(django_capture_on_commit_callbacks):
    image = _upload_and_render(django_capture_on_commit_callbacks)
    assert (image.renditions["display"]["width"], image.renditions["display"]["height"]) == (1600, 1200)
    for files in image.renditions.values():
        for fmt in ("webp", "jpeg"):
            assert default_storage.exists(files[fmt])
            assert default_storage.url(files[fmt]).startswith(f"/media/products/{image.product_id}/r/")


@pytest.mark.django_db
def test_upload_to_renditions_on_azure_blob_storage(azure_storage, django_capture_on_commit_callbacks):
    image = _upload_and_render(django_capture_on_commit_callbacks)
    original = requests.get(image.original.url, timeout=5)
    assert original.status_code == 200 and original.content.startswith(b"\xff\xd8")
    for label, files in image.renditions.items():
        for fmt, content_type in (("webp", "image/webp"), ("jpeg", "image/jpeg")):
            response = requests.get(azure_storage.url(files[fmt]), timeout=5)
            assert response.status_code == 200, (label, fmt)
            assert response.headers["Content-Type"] == content_type
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            with Image.open(io.BytesIO(response.content)) as im:
                assert im.width == files["width"] and im.height == files["height"]

    # Deleting removes the blobs once the deletion commits.
    names = [image.original.name] + [files[fmt] for files in image.renditions.values() for fmt in ("webp", "jpeg")]
    with django_capture_on_commit_callbacks(execute=True):
        product_image_delete(image=image)
    assert not any(azure_storage.exists(name) for name in names)


# --- other services -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_set_primary_moves_the_flag():
    product = ProductFactory()
    first, second = (product_image_add(product=product, uploaded_file=_upload(_photo())) for _ in range(2))
    product_image_set_primary(image=second)
    assert list(product.images.values_list("pk", "is_primary")) == [(first.pk, False), (second.pk, True)]


@pytest.mark.django_db
def test_reorder_needs_exactly_the_products_photos():
    product, other = ProductFactory(), ProductFactory()
    a, b, c = (product_image_add(product=product, uploaded_file=_upload(_photo())) for _ in range(3))
    foreign = product_image_add(product=other, uploaded_file=_upload(_photo()))

    product_image_reorder(product=product, ordered_ids=[c.pk, a.pk, b.pk])
    assert list(product.images.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]

    for wrong in ([c.pk, a.pk], [c.pk, a.pk, b.pk, foreign.pk], [c.pk, a.pk, a.pk], [c.pk, a.pk, foreign.pk]):
        with pytest.raises(ProductImageError, match="photos have changed"):
            product_image_reorder(product=product, ordered_ids=wrong)
    assert list(product.images.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]


@pytest.mark.django_db
def test_update_alt_text_is_trimmed_and_limited():
    image = product_image_add(product=ProductFactory(), uploaded_file=_upload(_photo()))
    product_image_update_alt(image=image, alt_text=" A speckled   mug ")
    image.refresh_from_db()
    assert image.alt_text == "A speckled mug"
    with pytest.raises(ProductImageError, match="at most 200 characters"):
        product_image_update_alt(image=image, alt_text="x" * 201)


@pytest.mark.django_db
def test_deleting_the_primary_photo_promotes_the_next_and_removes_files(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (product_image_add(product=product, uploaded_file=_upload(_photo())) for _ in range(3))
    product_image_reorder(product=product, ordered_ids=[first.pk, third.pk, second.pk])
    first.refresh_from_db()
    first_files = {first.original.name, *(f[fmt] for f in first.renditions.values() for fmt in ("webp", "jpeg"))}
    assert first_files <= _stored_files()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product_image_delete(image=first)
    assert first_files <= _stored_files()  # nothing deleted before the commit
    for callback in callbacks:
        callback()
    assert not first_files & _stored_files()
    assert list(product.images.values_list("pk", "is_primary")) == [(third.pk, True), (second.pk, False)]


# --- the template tag -----------------------------------------------------------------------------


def _render(image, size="400", css_class="card-img", loading="lazy") -> str:
    template = Template(
        "{% load catalog_images %}{% product_picture image size=size css_class=css_class loading=loading %}"
    )
    return template.render(Context({"image": image, "size": size, "css_class": css_class, "loading": loading}))


@pytest.mark.django_db
def test_picture_tag_shows_a_placeholder_then_a_picture(django_capture_on_commit_callbacks):
    product = ProductFactory(title="Teal bowl")
    image = product_image_add(product=product, uploaded_file=_upload(_photo(1000, 800)))

    before = _render(image)
    assert before == '<div class="card-img placeholder" role="img" aria-label="Teal bowl"></div>'
    display_before = _render(image, size="display", css_class="gallery-main")
    assert (
        f'src="{image.original.url}" width="1000" height="800" alt="Teal bowl" class="gallery-main"' in display_before
    )

    product_image_make_renditions.delay(image.pk)
    image.refresh_from_db()
    r = image.renditions
    after = _render(image)
    assert after.startswith("<picture>") and after.endswith("</picture>")
    assert (
        f'<source type="image/webp" srcset="/media/{r["200"]["webp"]} 200w, /media/{r["400"]["webp"]} 400w" '
        'sizes="400px">'
    ) in after
    assert f'<img src="/media/{r["400"]["jpeg"]}"' in after
    assert 'width="400" height="400" alt="Teal bowl" class="card-img" loading="lazy" decoding="async"' in after

    display = _render(image, size="display", css_class="gallery-main", loading="eager")
    assert f'srcset="/media/{r["display"]["webp"]}"' in display
    assert 'width="1000" height="800" alt="Teal bowl" class="gallery-main" loading="eager"' in display


def test_picture_tag_without_an_image_is_a_decorative_placeholder():
    assert _render(None) == '<div class="card-img placeholder" aria-hidden="true"></div>'


# --- the benchmark command ------------------------------------------------------------------------


def test_bench_images_reports_each_step():
    from django.core.management import call_command

    affinity = os.sched_getaffinity(0)
    out = io.StringIO()
    try:
        call_command("bench_images", runs=2, megapixels=0.5, stdout=out)
    finally:
        os.sched_setaffinity(0, affinity)  # the command pins the whole process to one core
    report = out.getvalue()
    assert "pinned to core" in report
    for row in ("(a)  4 thumbnails, draft decode", "(b)  4 thumbnails, full decode", "(c)  whole job", "ratio (a)/(b)"):
        assert row in report


# --- the cached product page follows photo changes -----------------------------------------------


def _gallery(client, product) -> dict:
    """The photos the product page shows: every alt text in the gallery, in order, and the image sources."""
    import re

    html = client.get(product.get_absolute_url()).content.decode()
    gallery = re.search(r'<section class="gallery".*?</section>', html, re.S).group(0)
    return {"alts": re.findall(r'alt="([^"]*)"', gallery), "srcs": re.findall(r'src="([^"]+)"', gallery)}


def _expected_alts(product) -> list[str]:
    from catalog.selectors import product_images

    photos = product_images(product=product)
    return [photos[0].alt_text] + ([p.alt_text for p in photos] if len(photos) > 1 else [])


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["upload", "alt", "reorder", "primary", "delete"])
def test_the_cached_product_page_shows_a_photo_change_at_once(
    client, vendor_a, action, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    product = ProductFactory(vendor=vendor_a, title="Ash bowl")
    with django_capture_on_commit_callbacks(execute=True):
        photos = [
            product_image_add(product=product, uploaded_file=_upload(_photo()), alt_text=alt)
            for alt in ("Bowl from above", "Glaze detail", "Foot ring")
        ]
    before = _gallery(client, product)  # now cached for ten minutes
    assert before["alts"] == _expected_alts(product)

    client.force_login(vendor_a.owner)
    update = [reverse("catalog_dashboard:image_update", args=[product.pk, p.pk]) for p in photos]
    with django_capture_on_commit_callbacks(execute=True):
        response = {
            "upload": lambda: client.post(
                reverse("catalog_dashboard:image_upload", args=[product.pk]),
                {"images": _upload(_photo(), "new.jpg"), "alt_text": "In the hand"},
            ),
            "alt": lambda: client.post(update[1], {"action": "alt", "alt_text": "Celadon glaze, close up"}),
            "reorder": lambda: client.post(update[2], {"action": "up"}),
            "primary": lambda: client.post(update[2], {"action": "primary"}),
            "delete": lambda: client.post(update[0], {"action": "delete"}),
        }[action]()
    assert response.status_code == 302
    client.logout()

    after = _gallery(client, product)
    assert after["alts"] != before["alts"]
    assert after["alts"] == _expected_alts(product)


@pytest.mark.django_db
def test_the_cached_product_page_shows_thumbnails_once_they_are_made(client, django_capture_on_commit_callbacks):
    product = ProductFactory(title="Ash bowl")
    with django_capture_on_commit_callbacks(execute=False):  # the thumbnail task has not run yet
        image = product_image_add(product=product, uploaded_file=_upload(_photo()), alt_text="Bowl from above")
    assert _gallery(client, product)["srcs"] == [image.original.url]  # the original, until thumbnails exist
    with django_capture_on_commit_callbacks(execute=True):
        product_image_make_renditions(image.pk)
    image.refresh_from_db()
    assert _gallery(client, product)["srcs"] == [default_storage.url(image.renditions["display"]["jpeg"])]
