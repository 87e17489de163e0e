"""Pages that show product photos keep their layout on a phone (390×844) and a desktop (1366×900).

Each ``<picture>`` must be one box: its ``<source>`` is never a layout cell. Geometry is read from the
real Chromium layout; screenshots go to ``$SCREENSHOT_DIR`` (or the test's tmp dir) for a person to look at.
"""

import io
import os
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.services.images import product_image_add
from catalog.tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def _photo(colour, size=(1200, 900)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not laid out"
    return box


def _overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.fixture
def shop_with_photos(vendor_a, azure_storage, settings):
    # Photos are served by the storage's own host (Azurite here, Blob Storage in production).
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(azure_storage.url("x")))
    settings.SECURE_CSP = {**settings.SECURE_CSP, "img-src": [*settings.SECURE_CSP["img-src"], origin]}
    title = "Hand-thrown speckled stoneware mug with a wide handle"
    mug = ProductFactory(vendor=vendor_a, title=title, price=Decimal("520.00"), stock_quantity=3)
    for colour in ((30, 90, 120), (200, 180, 150)):
        product_image_add(product=mug, uploaded_file=_photo(colour))
    ProductFactory(vendor=vendor_a, title="Plain bowl", price=Decimal("18.00"))
    return mug


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_pictures_keep_the_layout(live_server, browser, shop_with_photos, vendor_a, viewport, tmp_path):
    mug = shop_with_photos
    size = VIEWPORTS[viewport]
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone", has_touch=viewport == "phone")
    page = context.new_page()

    # Product page: the main photo fills its column; on a desktop the details sit to its right.
    page.goto(f"{live_server.url}{mug.get_absolute_url()}")
    main, info = _box(page, ".gallery-main"), _box(page, ".product-info")
    assert main["width"] > size["width"] * 0.5 - 40
    assert page.locator(".gallery-main").evaluate("img => img.complete && img.naturalWidth > 0")  # the photo loaded
    if viewport == "desktop":
        assert info["x"] >= main["x"] + main["width"]
    else:
        assert info["y"] >= main["y"] + main["height"]
    thumbs = page.locator(".gallery-thumb")
    assert thumbs.count() == 2 and thumbs.nth(1).bounding_box()["x"] > thumbs.nth(0).bounding_box()["x"]
    page.screenshot(path=os.path.join(shots, f"product-{viewport}.png"), full_page=True)
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-result", has_text="Added").wait_for()

    # Cart: photo on the left, then the title, then the line total, none overlapping.
    page.goto(f"{live_server.url}/cart/")
    line = _box(page, ".cart-line")
    photo, title, total = _box(page, ".cart-thumb"), _box(page, ".cart-line-main > a"), _box(page, ".cart-line-total")
    assert photo["x"] < line["x"] + 20 and photo["width"] == 64
    assert title["x"] >= photo["x"] + photo["width"]
    assert title["width"] > 150
    assert not _overlap(title, total) and not _overlap(photo, total)
    assert total["x"] + total["width"] <= line["x"] + line["width"] + 1
    if viewport == "desktop":
        assert total["x"] > title["x"] + title["width"] and abs(total["y"] - line["y"]) < 10
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=os.path.join(shots, f"cart-{viewport}.png"), full_page=True)

    # Cards (storefront; home and search use the same card): photo as wide as its card.
    page.goto(f"{live_server.url}{vendor_a.get_absolute_url()}")
    card, card_img = _box(page, ".product-card"), _box(page, ".product-card .card-img")
    assert abs(card_img["width"] - (card["width"] - 2)) <= 2 and abs(card_img["height"] - card_img["width"]) <= 1
    assert _box(page, ".product-card .card-title")["y"] >= card_img["y"] + card_img["height"]
    page.screenshot(path=os.path.join(shots, f"storefront-{viewport}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_photo_manager_keeps_the_alt_text_box_usable(live_server, browser, shop_with_photos, viewport, tmp_path):
    from django.conf import settings
    from django.test import Client

    mug = shop_with_photos
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
    client = Client()
    client.force_login(mug.vendor.owner)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/shops/dashboard/products/{mug.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the maker's header fits
    page.locator(".site-header").screenshot(path=os.path.join(shots, f"maker-header-{viewport}.png"))
    item = page.locator(".image-item").first
    thumb, controls = item.locator(".manager-thumb").bounding_box(), item.locator(".image-controls").bounding_box()
    alt = item.get_by_label("Alt text").bounding_box()
    assert thumb["width"] == 96 and controls["x"] >= thumb["x"] + thumb["width"]
    assert abs(controls["y"] - thumb["y"]) < 12  # side by side, not wrapped below
    assert alt["width"] > 120
    page.locator("#image-manager").screenshot(path=os.path.join(shots, f"photo-manager-{viewport}.png"))
    context.close()
