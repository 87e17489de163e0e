"""Hide and unhide products from the dashboard by staff role: gone from every shopper-facing read until staff
unhide it (the maker publishing it again doesn't bring it back), audited by the service and in the admin log."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from catalog.models import VISIBLE_SQL, Product
from catalog.selectors import fetch_rows
from catalog.services.products import ProductError, product_set_hidden, product_update
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spoon(vendor_a):
    return ProductFactory(vendor=vendor_a, status=Product.Status.ACTIVE, title="Walnut spoon")


def _changelist():
    return reverse("admin:catalog_product_changelist")


def _offered(client) -> set[str]:
    return set(re.findall(r'<option value="([a-z_]+)"', client.get(_changelist()).content.decode()))


def _post(client, action: str, product, **fields):
    return client.post(_changelist(), {"action": action, "_selected_action": [product.pk], **fields}, follow=True)


def _seen_by_shoppers(product) -> dict[str, bool]:
    """The visibility rule in each of its forms (ORM, raw SQL of search, instance)."""
    joined = "SELECT p.id FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id"
    return {
        "orm": Product.objects.visible().filter(pk=product.pk).exists(),
        "sql": product.pk in {row[0] for row in fetch_rows(f"{joined} WHERE {VISIBLE_SQL}", [])},
        "instance": Product.objects.select_related("vendor").get(pk=product.pk).is_visible,
    }


def test_support_hides_a_product_with_a_reason_and_its_maker_cant_bring_it_back(
    client, support, spoon, vendor_a, django_capture_on_commit_callbacks
):
    client.force_login(support)
    assert {"hide_products", "unhide_products"} <= _offered(client)
    step_one = _post(client, "hide_products", spoon)
    assert "give a reason" in step_one.content.decode()
    assert _seen_by_shoppers(spoon) == {"orm": True, "sql": True, "instance": True}

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "hide_products", spoon, apply="1", reason="Counterfeit brand")
        _post(client, "hide_products", spoon, apply="1", reason="Counterfeit brand")  # posted twice: hidden already

    spoon.refresh_from_db()
    assert (spoon.hidden_by_staff, spoon.hidden_reason, spoon.status) == (True, "Counterfeit brand", "active")
    assert _seen_by_shoppers(spoon) == {"orm": False, "sql": False, "instance": False}
    client.logout()
    assert client.get(spoon.get_absolute_url()).status_code == 404
    moderation = spoon.moderations.get()
    assert (moderation.action, moderation.reason, moderation.changed_by) == ("hide", "Counterfeit brand", support)
    assert LogEntry.objects.get(object_id=str(spoon.pk)).change_message == (
        "Hide selected products from shoppers: Counterfeit brand"
    )
    [email] = mail.outbox  # the maker is told why, once
    assert email.to == [vendor_a.owner.email] and "hidden from shoppers" in email.subject
    assert "Counterfeit brand" in email.body
    assert f"/shops/dashboard/products/{spoon.pk}/" in email.body

    # Its maker unpublishes and publishes again: still hidden, and told why on their dashboard.
    product_update(product=spoon, status=Product.Status.DRAFT)
    product_update(product=spoon, status=Product.Status.ACTIVE)
    assert not Product.objects.visible().filter(pk=spoon.pk).exists()
    client.force_login(vendor_a.owner)
    assert "Hidden by staff: Counterfeit brand" in client.get("/shops/dashboard/products/").content.decode()


def test_admin_unhides_and_the_product_is_back(client, admin_staff, spoon):
    product_set_hidden(product=spoon, hidden=True, by=admin_staff, reason="Checking a report")
    client.force_login(admin_staff)

    _post(client, "unhide_products", spoon, apply="1", reason="Report unfounded")

    spoon.refresh_from_db()
    assert not spoon.hidden_by_staff and spoon.hidden_reason == ""
    assert _seen_by_shoppers(spoon) == {"orm": True, "sql": True, "instance": True}
    assert [m.action for m in spoon.moderations.all()] == ["hide", "unhide"]


def test_hiding_twice_is_refused_and_nothing_more_is_written(admin_staff, spoon):
    product_set_hidden(product=spoon, hidden=True, by=admin_staff, reason="first")
    with pytest.raises(ProductError, match="already hidden"):
        product_set_hidden(product=spoon, hidden=True, by=admin_staff, reason="second")
    assert spoon.moderations.count() == 1


def test_the_service_refuses_anyone_but_staff(spoon, vendor_a):
    with pytest.raises(ProductError, match="Only staff"):
        product_set_hidden(product=spoon, hidden=True, by=vendor_a.owner, reason="mine")
    assert not Product.objects.get(pk=spoon.pk).hidden_by_staff


def test_finance_isnt_offered_it_and_a_forged_post_hides_nothing(client, finance, spoon):
    client.force_login(finance)
    assert client.get(_changelist()).status_code == 200
    assert not {"hide_products", "unhide_products"} & _offered(client)

    _post(client, "hide_products", spoon, apply="1", reason="forged", index="0")

    assert not Product.objects.get(pk=spoon.pk).hidden_by_staff
    assert not spoon.moderations.exists() and not LogEntry.objects.exists()


def test_a_hidden_product_cant_be_put_in_a_cart(client, shopper, admin_staff, spoon):
    from checkout.models import Cart
    from checkout.services import CartError, cart_add

    product_set_hidden(product=spoon, hidden=True, by=admin_staff, reason="Recalled")
    with pytest.raises(CartError):
        cart_add(cart=Cart.objects.create(user=shopper), product=Product.objects.get(pk=spoon.pk), quantity=1)


def test_support_hides_products_but_cant_edit_one(client, support, spoon):
    client.force_login(support)
    url = reverse("admin:catalog_product_change", args=[spoon.pk])
    assert client.get(url).status_code == 200  # read-only view
    assert client.post(url, {"title": "Cheap spoon", "price": "0.50"}).status_code == 403
    assert Product.objects.get(pk=spoon.pk).title == "Walnut spoon"
