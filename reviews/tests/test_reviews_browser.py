"""In a browser: delivered order → error in place → review with stars and a photo → shop replies → shopper sees it."""

import pytest
from playwright.sync_api import expect

from marketplace.tests.browser import signed_in_context

from .conftest import shipped_order

DESKTOP = {"width": 1280, "height": 720}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, live_server, user):
    return signed_in_context(browser, live_server, user, viewport=DESKTOP)


def test_review_reply_and_rating_in_search(live_server, browser, shopper, vendor_a, tmp_path):
    from PIL import Image

    photo = tmp_path / "mug.jpg"
    Image.new("RGB", (800, 600), (120, 60, 30)).save(photo, "JPEG")
    order = shipped_order(user=shopper, vendor=vendor_a)
    product = order.items.get().product
    buyer = _signed_in(browser, live_server, shopper)
    page = buyer.new_page()
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    page.get_by_role("link", name="Write a review").click()
    page.get_by_role("button", name="Publish review").click()  # no stars chosen: the error shows in place
    expect(page.locator("#review-form")).to_contain_text("Choose a rating from 1 to 5 stars.")
    page.get_by_label("4 stars").check()
    page.get_by_label("Title").fill("<b>Sturdy</b> mug")
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="Publish review").click()
    expect(page.locator("#reviews")).to_contain_text("<b>Sturdy</b> mug")  # shown as text, not markup
    expect(page.locator("#reviews")).to_contain_text("Verified purchase")
    expect(page.locator("#reviews img.review-photo")).to_have_count(1)
    assert buyer.errors == []

    shop = _signed_in(browser, live_server, vendor_a.owner)
    shop_page = shop.new_page()
    shop_page.goto(f"{live_server.url}/reviews/shop/")
    shop_page.get_by_role("link", name="Reply").click()
    shop_page.get_by_label("Your reply").fill("Thank you for your kind words!")
    shop_page.get_by_role("button", name="Publish reply").click()
    expect(shop_page.locator(".shop-reply")).to_contain_text("Thank you for your kind words!")
    shop.close()

    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    expect(page.locator("#reviews .shop-reply")).to_contain_text("Thank you for your kind words!")
    page.goto(f"{live_server.url}/search?q={product.title}")
    expect(page.locator(".product-card").first).to_contain_text("(1)")
    buyer.close()
