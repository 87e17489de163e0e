"""Checkout and the address book: a saved address (the default preselected), or a new one saved on request;
the checkout keeps its own copy, so changing the book never changes a placed order."""

import re

import pytest

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.services import cart_add
from marketplace.accounts.models import Address
from marketplace.accounts.services import address_create, address_delete, address_update

pytestmark = pytest.mark.django_db

HOME = {"name": "Sasha Shopper", "line1": "1 High St", "city": "Bath", "postcode": "BA1 1AA", "country": "GB"}
WORK = {"name": "Sasha at work", "line1": "9 Quay", "city": "Bristol", "postcode": "BS1 4DJ", "country": "GB"}
NEW = {"name": "Sasha's mum", "line1": "3 Rue Neuve", "city": "Lyon", "postcode": "69001", "country": "FR"}


@pytest.fixture
def signed_in_cart(client, shopper, vendor_a):
    cart_add(cart=Cart.objects.create(user=shopper), product=ProductFactory(vendor=vendor_a, stock_quantity=5))
    client.force_login(shopper)
    return client


def test_the_default_address_is_preselected(signed_in_cart, shopper):
    address_create(user=shopper, fields=HOME)
    work = address_create(user=shopper, fields=WORK, make_default=True)
    page = signed_in_cart.get("/cart/checkout/").content.decode()
    assert f'value="{work.pk}"' in page
    radio = re.search(rf'<input type="radio" name="saved_address" value="{work.pk}"[^>]*>', page).group(0)
    assert "checked" in radio
    assert "A new address" in page


def test_placing_with_a_saved_address_copies_it_onto_the_checkout(signed_in_cart, shopper):
    home = address_create(user=shopper, fields=HOME)
    response = signed_in_cart.post("/cart/checkout/", {"email": shopper.email, "saved_address": home.pk})
    assert response.status_code == 302, response.content.decode()
    checkout = Checkout.objects.get()
    shipped_to = (checkout.shipping_line1, checkout.shipping_postcode, checkout.shipping_country)
    assert shipped_to == ("1 High St", "BA1 1AA", "GB")


def test_the_order_keeps_its_address_when_the_saved_one_is_edited_or_deleted(signed_in_cart, shopper):
    home = address_create(user=shopper, fields=HOME)
    signed_in_cart.post("/cart/checkout/", {"email": shopper.email, "saved_address": home.pk})
    address_update(address=home, fields={**HOME, "line1": "99 Elsewhere"})
    checkout = Checkout.objects.get()
    assert checkout.shipping_line1 == "1 High St"
    address_delete(address=home)
    checkout.refresh_from_db()
    assert checkout.shipping_line1 == "1 High St"


def test_a_new_address_with_save_goes_into_the_book(signed_in_cart, shopper):
    address_create(user=shopper, fields=HOME)
    form = {"email": shopper.email, "saved_address": "new", "save_address": "on", **NEW}
    assert signed_in_cart.post("/cart/checkout/", form).status_code == 302
    assert Checkout.objects.get().shipping_city == "Lyon"
    saved = Address.objects.get(user=shopper, city="Lyon")
    assert not saved.is_default  # the book's default stays what the shopper chose


def test_a_new_address_without_save_is_not_kept(signed_in_cart, shopper):
    assert signed_in_cart.post("/cart/checkout/", {"email": shopper.email, **NEW}).status_code == 302
    assert not Address.objects.exists()


def test_a_new_address_is_checked_by_the_same_rule_as_the_book(signed_in_cart, shopper):
    form = {"email": shopper.email, **NEW, "postcode": "BA1 1AA", "save_address": "on"}
    response = signed_in_cart.post("/cart/checkout/", form)
    assert response.status_code == 200
    assert "postcode in France" in response.content.decode()
    assert not Checkout.objects.exists() and not Address.objects.exists()


def test_another_shoppers_saved_address_cannot_be_picked(signed_in_cart, shopper, other_shopper):
    theirs = address_create(user=other_shopper, fields=WORK)
    address_create(user=shopper, fields=HOME)
    response = signed_in_cart.post("/cart/checkout/", {"email": shopper.email, "saved_address": theirs.pk})
    assert response.status_code == 200  # an invalid choice: the form comes back, nothing placed
    assert not Checkout.objects.exists()


def test_guests_see_the_plain_form_without_saving(client, vendor_a):
    mug = ProductFactory(vendor=vendor_a, stock_quantity=3)
    client.post("/cart/add", {"product": mug.pk, "quantity": 1})
    page = client.get("/cart/checkout/").content.decode()
    assert "saved_address" not in page and "save_address" not in page
    form = {"email": "guest@example.com", "save_address": "on", **NEW}
    assert client.post("/cart/checkout/", form).status_code == 302
    assert Checkout.objects.get().shipping_postcode == "69001"
    assert not Address.objects.exists()
