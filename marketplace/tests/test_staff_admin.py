"""The staff dashboard reads as a person would: one section per name, orders titled by their shop."""

import re
from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory
from checkout.models import Cart
from checkout.placement import Address, checkout_place
from checkout.services import cart_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    return staff


def test_staff_home_has_no_two_sections_with_one_name(client, superuser):
    client.force_login(superuser)
    html = client.get("/staff/").content.decode()
    sections = re.findall(r'<a href="/staff/[a-z_]+/" class="section"[^>]*>([^<]+)</a>', html)
    assert len(sections) >= 5
    assert len(sections) == len(set(sections)), sections
    assert "Accounts" in sections  # allauth's e-mail addresses keep the plain name


def test_an_order_is_titled_by_its_shops_name(client, superuser, shopper, vendor_a):
    cart = Cart.objects.create(user=shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("20.00")))
    address = Address(name="Sasha Shopper", line1="1 High St", city="Bath", postcode="BA1 1AA", country="gb")
    order = checkout_place(cart=cart, email=shopper.email, address=address, user=shopper).orders.get()
    assert str(order) == f"Order {order.number} from Kiln & Co"
    client.force_login(superuser)
    html = client.get(f"/staff/orders/order/{order.pk}/change/").content.decode()
    assert f"Order {order.number} from Kiln &amp; Co" in html
    assert f"from {vendor_a.pk}<" not in html
