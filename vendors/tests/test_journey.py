"""A maker's first day, in a real Chromium on a phone: sign up, open a shop, get approved,
set up (simulated) payouts, list a product with two photos, see it on the storefront."""

import io
import os
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from catalog.models import Product
from catalog.tests.factories import CategoryFactory
from vendors.models import Vendor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "kiln-fired-stoneware-88"


def _photo(path, colour):
    image = Image.new("RGB", (1200, 900), colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_maker_opens_a_shop_and_lists_a_product_with_photos(live_server, browser, staff, tmp_path):
    CategoryFactory(name="Mugs", slug="mugs")
    staff.is_superuser = True
    staff.save()
    url = live_server.url
    maker = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = maker.new_page()

    # Sign up and verify the email address.
    page.goto(f"{url}/accounts/signup/")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Your name").fill("Nia Maker")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    link = re.search(r"http://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{url}{link}")
    page.get_by_role("button", name="Confirm").click()

    # Open a shop.
    page.goto(f"{url}/shops/register/")
    page.get_by_label("Shop name").fill("Tideline Pottery")
    page.get_by_label("Town").fill("Penzance")
    page.get_by_label("Country").fill("GB")
    page.get_by_label("Shipping per order").fill("4.50")
    page.get_by_role("button", name="Open my shop").click()
    page.wait_for_url(f"{url}/shops/dashboard/")
    expect(page.get_by_text("waiting for review")).to_be_visible()

    # Staff approve it from the platform dashboard, giving a reason.
    desk = browser.new_context()
    admin = desk.new_page()
    admin.goto(f"{url}/staff/login/")  # hands over to the site's sign-in page (allauth)
    admin.locator("#id_login").fill(staff.email)
    admin.locator("#id_password").fill("correct-horse-battery-staple")
    admin.locator("#id_password").press("Enter")
    admin.wait_for_url(f"{url}/staff/")
    admin.goto(f"{url}/staff/vendors/vendor/")
    admin.get_by_role("row", name=re.compile("Tideline Pottery")).get_by_role("checkbox").check()
    admin.get_by_role("combobox", name="Action").select_option("make_approved")
    admin.get_by_role("button", name="Run").click()
    admin.get_by_label("Reason (emailed to the shop)").fill("Welcome aboard")
    admin.get_by_role("button", name="Confirm").click()
    expect(admin.locator(".messagelist")).to_contain_text("Approve selected shops: 1 shop(s).")
    desk.close()
    assert Vendor.objects.get(name="Tideline Pottery").status == "approved"

    # Set up payouts (Stripe Connect is simulated in tests, as in development).
    page.goto(f"{url}/shops/dashboard/")
    page.get_by_role("button", name="Set up payouts").click()
    page.get_by_role("button", name="Complete simulated onboarding").click()
    page.wait_for_url(f"{url}/shops/dashboard/")
    expect(page.get_by_role("button", name="Payouts dashboard")).to_be_visible()

    # List a product, then add two photos.
    page.goto(f"{url}/shops/dashboard/products/new/")
    page.get_by_label("Title").fill("Sea-glaze mug")
    page.get_by_label("Category").select_option(label="Mugs")
    page.get_by_label("Price").fill("32.00")
    page.get_by_label("In stock").fill("6")
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Save product").click()
    page.wait_for_url(re.compile(r"/shops/dashboard/products/\d+/$"))
    page.get_by_label("Add photos").set_input_files(
        [_photo(tmp_path / "front.jpg", (30, 90, 120)), _photo(tmp_path / "side.jpg", (200, 180, 150))]
    )
    assert page.locator("[data-previews] li").count() == 2  # previews before upload
    page.get_by_role("button", name="Upload").click()
    page.locator(".image-item").nth(1).wait_for()
    assert page.locator(".image-item").count() == 2
    assert page.get_by_text("Main photo").count() == 1

    # Shoppers see it on the storefront.
    product = Product.objects.get(title="Sea-glaze mug")
    assert product.images.count() == 2
    page.goto(f"{url}/shops/tideline-pottery/")
    card = page.locator(".product-card", has_text="Sea-glaze mug")
    expect(card).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
    page.screenshot(path=os.path.join(shots, "storefront-phone.png"), full_page=True)
    page.goto(f"{url}{product.get_absolute_url()}")
    page.screenshot(path=os.path.join(shots, "product-phone.png"), full_page=True)
    maker.close()
