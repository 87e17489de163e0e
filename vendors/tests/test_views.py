from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "name": "Hollow Oak Woodwork",
    "description": "Spoons and boards.",
    "town": "Hebden Bridge",
    "country": "gb",
    "shipping_flat": "5.00",
    "free_shipping_over": "",
    "processing_days": "3",
    "returns_policy": "30 days",
}


def test_a_verified_user_opens_a_shop_from_the_form(client, shopper):
    client.force_login(shopper)
    assert client.get("/shops/register/").status_code == 200
    response = client.post("/shops/register/", REGISTRATION)
    assert response.status_code == 302
    assert response["Location"] == "/shops/dashboard/"
    vendor = Vendor.objects.get(owner=shopper)
    assert vendor.town == "Hebden Bridge"
    assert "waiting for review" in client.get("/shops/dashboard/").content.decode()


def test_htmx_registration_errors_come_back_inline(client, shopper):
    client.force_login(shopper)
    response = client.post("/shops/register/", REGISTRATION | {"town": "Nowhereville"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="shop-form"')
    assert "couldn" in html and "Nowhereville" in html
    assert not Vendor.objects.exists()


def test_registration_needs_a_login(client):
    response = client.get("/shops/register/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reserved_names_are_refused(client, shopper):
    client.force_login(shopper)
    response = client.post("/shops/register/", REGISTRATION | {"name": "Dashboard"})
    assert "reserved" in response.content.decode()


def test_dashboard_and_settings_are_the_owners_only(client, vendor_a, shopper):
    client.force_login(shopper)  # has no shop
    assert client.get("/shops/dashboard/").status_code == 404
    assert client.get("/shops/dashboard/settings/").status_code == 404


def test_owner_turns_on_holiday_mode(client, vendor_a):
    client.force_login(vendor_a.owner)
    data = {
        "description": "New words",
        "town": "Bath",
        "country": "GB",
        "shipping_flat": "4.50",
        "processing_days": "2",
        "on_holiday": "on",
    }
    response = client.post("/shops/dashboard/settings/", data)
    assert response.status_code == 302
    vendor_a.refresh_from_db()
    assert vendor_a.on_holiday and vendor_a.description == "New words"
    assert "on holiday" in client.get(vendor_a.get_absolute_url()).content.decode()


def test_admin_approves_with_a_reason(client, staff):
    from vendors.tests.factories import VendorFactory

    staff.is_superuser = True
    staff.save()
    pending = VendorFactory(status=Vendor.Status.PENDING)
    client.force_login(staff)
    url = "/staff/vendors/vendor/"
    # Step one asks for the reason; nothing changes yet.
    response = client.post(url, {"action": "make_approved", "_selected_action": [pending.pk]})
    assert "give a reason" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    # Step two applies it.
    client.post(
        url,
        {"action": "make_approved", "_selected_action": [pending.pk], "apply": "1", "reason": "Meets our guidelines"},
    )
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert pending.status_changes.get().reason == "Meets our guidelines"


def test_htmx_registration_success_redirects_the_whole_page(client, shopper):
    client.force_login(shopper)
    response = client.post("/shops/register/", REGISTRATION, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/shops/dashboard/"


def _jpeg(size=(900, 600), colour=(120, 60, 20)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def test_owner_uploads_a_logo_and_banner_shown_on_the_storefront(client, vendor_a):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    client.force_login(vendor_a.owner)
    client.post("/shops/dashboard/settings/logo", {"image": SimpleUploadedFile("logo.jpg", _jpeg(), "image/jpeg")})
    client.post(
        "/shops/dashboard/settings/banner", {"image": SimpleUploadedFile("b.jpg", _jpeg((3000, 900)), "image/jpeg")}
    )
    vendor_a.refresh_from_db()
    with vendor_a.logo.open() as f:
        assert Image.open(f).size == (400, 400)
    with vendor_a.banner.open() as f:
        assert Image.open(f).size == (1600, 400)
    html = client.get(vendor_a.get_absolute_url()).content.decode()
    assert vendor_a.logo.url in html and vendor_a.banner.url in html


def test_shop_images_are_checked_like_product_photos(client, vendor_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(vendor_a.owner)
    response = client.post(
        "/shops/dashboard/settings/logo",
        {"image": SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")},
        follow=True,
    )
    assert "SVG" in response.content.decode()
    vendor_a.refresh_from_db()
    assert not vendor_a.logo
    assert client.post("/shops/dashboard/settings/avatar", {}).status_code == 302  # unknown kind: a message, no change
    assert client.get("/shops/dashboard/settings/logo").status_code == 405


def test_moving_the_pin_keeps_it_and_a_new_town_replaces_it(client, vendor_a):
    client.force_login(vendor_a.owner)
    base = {"town": "Bath", "country": "GB", "shipping_flat": "4.50", "processing_days": "2"}
    client.post("/shops/dashboard/settings/", base | {"latitude": "51.4000", "longitude": "-2.3000"})
    vendor_a.refresh_from_db()
    assert (vendor_a.latitude, vendor_a.longitude) == (51.4, -2.3)
    # Changing town while posting back the unchanged pin re-places the pin in the new town.
    client.post("/shops/dashboard/settings/", base | {"town": "York", "latitude": "51.4", "longitude": "-2.3"})
    vendor_a.refresh_from_db()
    assert round(vendor_a.latitude, 1) == 54.0


def test_storefront_and_product_list_show_money_as_the_rest_of_the_site(client, vendor_a):
    Vendor.objects.filter(pk=vendor_a.pk).update(shipping_flat=Decimal("4.50"), free_shipping_over=Decimal("1200"))
    product = ProductFactory(vendor=vendor_a, price=Decimal("520.00"))
    html = client.get("/shops/kiln-co/").content.decode()
    assert "Shipping: $4.50 per order, free on orders over $1,200.00." in html
    client.force_login(vendor_a.owner)
    table = client.get("/shops/dashboard/products/").content.decode()
    assert "<td>$520.00</td>" in table and product.title in table
