"""The cart: shop groups and shipping, refusals, guest → account merge, HTML and API."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from checkout.models import Cart, CartItem
from checkout.selectors import cart_summary
from checkout.services import MAX_CART_LINES, CartError, cart_add, cart_item_set_quantity, cart_merge
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(shopper):
    return Cart.objects.create(user=shopper)


def test_lines_are_grouped_by_shop_with_each_shops_shipping(cart, vendor_a, vendor_b):
    Vendor.objects.filter(pk=vendor_a.pk).update(shipping_flat=Decimal("4.50"), free_shipping_over=Decimal("50.00"))
    Vendor.objects.filter(pk=vendor_b.pk).update(shipping_flat=Decimal("6.00"), free_shipping_over=None)
    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), title="Mug")
    scarf = ProductFactory(vendor=vendor_b, price=Decimal("35.50"), title="Scarf")
    cart_add(cart=cart, product=mug, quantity=2)
    cart_add(cart=cart, product=scarf)
    summary = cart_summary(cart=cart)
    kiln, loom = summary.groups  # sorted by shop name
    assert (kiln.subtotal, kiln.shipping, kiln.total) == (Decimal("40.00"), Decimal("4.50"), Decimal("44.50"))
    assert kiln.free_shipping_gap == Decimal("10.00")
    assert (loom.subtotal, loom.shipping) == (Decimal("35.50"), Decimal("6.00"))
    assert (summary.subtotal, summary.shipping, summary.total) == (
        Decimal("75.50"),
        Decimal("10.50"),
        Decimal("86.00"),
    )
    assert summary.item_count == 3

    # Reaching the shop's threshold makes its shipping free.
    cart_add(cart=cart, product=mug, quantity=1)
    assert cart_summary(cart=cart).groups[0].shipping == Decimal("0.00")


def test_per_item_shipping_adds_per_unit_and_the_flat_rate_only_for_other_items(cart, vendor_a):
    heavy = ProductFactory(
        vendor=vendor_a, price=Decimal("100.00"), shipping_override=Decimal("12.00"), stock_quantity=5
    )
    light = ProductFactory(vendor=vendor_a, price=Decimal("10.00"))
    cart_add(cart=cart, product=heavy, quantity=2)
    assert cart_summary(cart=cart).groups[0].shipping == Decimal("24.00")
    cart_add(cart=cart, product=light)
    assert cart_summary(cart=cart).groups[0].shipping == Decimal("28.50")  # + the shop's 4.50 flat


def test_prices_are_read_fresh_and_changes_are_flagged(cart, vendor_a):
    product = ProductFactory(vendor=vendor_a, price=Decimal("20.00"))
    cart_add(cart=cart, product=product)
    Product.objects.filter(pk=product.pk).update(price=Decimal("25.00"))
    line = cart_summary(cart=cart).groups[0].lines[0]
    assert (line.unit_price, line.price_changed) == (Decimal("25.00"), True)


@pytest.mark.parametrize("quantity", [0, -1, 1000, 2.5, True])
def test_bad_quantities_are_refused(cart, vendor_a, quantity):
    with pytest.raises(CartError):
        cart_add(cart=cart, product=ProductFactory(vendor=vendor_a), quantity=quantity)


def test_more_than_stock_is_refused_but_made_to_order_is_not(cart, vendor_a):
    stocked = ProductFactory(vendor=vendor_a, stock_quantity=2)
    with pytest.raises(CartError, match="Only 2 left"):
        cart_add(cart=cart, product=stocked, quantity=3)
    cart_add(cart=cart, product=stocked, quantity=2)
    with pytest.raises(CartError, match="Only 2 left"):
        cart_add(cart=cart, product=stocked)
    custom = ProductFactory(vendor=vendor_a, stock_quantity=0, made_to_order=True, processing_days=10)
    cart_add(cart=cart, product=custom, quantity=20)


@pytest.mark.parametrize(
    ("product_change", "vendor_change", "message"),
    [
        ({"status": "archived"}, {}, "no longer for sale"),
        ({"status": "draft"}, {}, "no longer for sale"),
        ({}, {"status": "suspended"}, "isn't selling"),
        ({}, {"on_holiday": True}, "on holiday"),
        ({"stock_quantity": 0}, {}, "Sold out"),
    ],
)
def test_unbuyable_products_are_refused_and_flagged_if_already_in_the_cart(
    cart, vendor_a, product_change, vendor_change, message
):
    product = ProductFactory(vendor=vendor_a)
    cart_add(cart=cart, product=product)
    Product.objects.filter(pk=product.pk).update(**product_change)
    Vendor.objects.filter(pk=vendor_a.pk).update(**vendor_change)
    with pytest.raises(CartError, match=message):
        cart_add(cart=cart, product=product)
    summary = cart_summary(cart=cart)
    assert message in summary.groups[0].lines[0].problem
    assert summary.has_problems
    assert summary.total == Decimal("0.00")  # unbuyable lines are not counted


def test_a_cart_holds_at_most_100_lines(cart, vendor_a):
    products = ProductFactory.create_batch(MAX_CART_LINES + 1, vendor=vendor_a)
    CartItem.objects.bulk_create(
        [CartItem(cart=cart, product=p, quantity=1, price_when_added=p.price) for p in products[:MAX_CART_LINES]]
    )
    with pytest.raises(CartError, match="at most 100"):
        cart_add(cart=cart, product=products[-1])


def test_lowering_a_quantity_is_allowed_even_when_stock_fell(cart, vendor_a):
    product = ProductFactory(vendor=vendor_a, stock_quantity=5)
    item = cart_add(cart=cart, product=product, quantity=5)
    Product.objects.filter(pk=product.pk).update(stock_quantity=2)
    assert cart_item_set_quantity(item=item, quantity=2).quantity == 2
    with pytest.raises(CartError):
        cart_item_set_quantity(item=item, quantity=3)


def test_guest_cart_merges_into_the_account_on_login(client, shopper, password, vendor_a):
    mine_before = ProductFactory(vendor=vendor_a, stock_quantity=10)
    guest_pick = ProductFactory(vendor=vendor_a, stock_quantity=10)
    cart_add(cart=Cart.objects.create(user=shopper), product=mine_before, quantity=1)

    client.post("/cart/add", {"product": guest_pick.pk, "quantity": 2})
    client.post("/cart/add", {"product": mine_before.pk, "quantity": 3})
    assert Cart.objects.filter(user__isnull=True).count() == 1

    client.post("/accounts/login/", {"login": shopper.email, "password": password})
    cart = Cart.objects.get(user=shopper)
    assert {i.product_id: i.quantity for i in cart.items.all()} == {mine_before.pk: 4, guest_pick.pk: 2}
    assert not Cart.objects.filter(user__isnull=True).exists()


def test_merge_caps_at_stock(shopper, vendor_a):
    product = ProductFactory(vendor=vendor_a, stock_quantity=3)
    cart_add(cart=Cart.objects.create(user=shopper), product=product, quantity=2)
    guest = Cart.objects.create(session_key="abc")
    cart_add(cart=guest, product=product, quantity=3)
    merged = cart_merge(guest_cart=guest, user=shopper)
    assert merged.items.get().quantity == 3


def test_cart_page_and_htmx_updates(client, vendor_a):
    product = ProductFactory(vendor=vendor_a, title="Oak board", price=Decimal("30.00"), stock_quantity=4)
    response = client.post("/cart/add", {"product": product.pk, "quantity": 1})
    assert response.status_code == 302
    html = client.get("/cart/").content.decode()
    assert "Oak board" in html and "$34.50" in html  # 30.00 + 4.50 shipping
    item = CartItem.objects.get()
    fragment = client.post(f"/cart/items/{item.pk}", {"quantity": 2}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="cart">')
    assert '<span id="cart-count" class="badge" hx-swap-oob="true">2</span>' in body
    client.post(f"/cart/items/{item.pk}", {"quantity": 9})
    assert CartItem.objects.get().quantity == 2  # refused: only 4 in stock
    client.post(f"/cart/items/{item.pk}", {"action": "remove"})
    assert not CartItem.objects.exists()


def test_another_shoppers_cart_line_is_404(client, other_shopper, vendor_a, shopper):
    item = cart_add(cart=Cart.objects.create(user=shopper), product=ProductFactory(vendor=vendor_a))
    client.force_login(other_shopper)
    assert client.post(f"/cart/items/{item.pk}", {"action": "remove"}).status_code == 404
    assert CartItem.objects.filter(pk=item.pk).exists()
    assert client.get(f"/cart/items/{item.pk}").status_code == 405


def test_adding_from_the_product_page_with_htmx_updates_the_header_count(client, vendor_a):
    product = ProductFactory(vendor=vendor_a)
    assert "Add to cart" in client.get(product.get_absolute_url()).content.decode()
    response = client.post("/cart/add", {"product": product.pk, "quantity": 2}, headers={"HX-Request": "true"})
    assert 'id="cart-count" class="badge" hx-swap-oob="true">2<' in response.content.decode()
    response = client.post("/cart/add", {"product": product.pk, "quantity": 99}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Only 5 left" in response.content.decode()


def test_api_cart_round_trip(vendor_a, vendor_b):
    api = APIClient()
    a = ProductFactory(vendor=vendor_a, price=Decimal("12.00"))
    b = ProductFactory(vendor=vendor_b, price=Decimal("8.00"), stock_quantity=1)
    assert api.post("/api/cart/items", {"product_id": a.pk, "quantity": 2}, format="json").status_code == 201
    body = api.post("/api/cart/items", {"product_id": b.pk}, format="json").json()
    assert [s["vendor"]["name"] for s in body["shops"]] == ["Kiln & Co", "Loom Works"]
    assert body["total"] == "41.00"  # 24 + 4.50 + 8 + 4.50
    assert body["can_checkout"] is True
    line = body["shops"][1]["lines"][0]
    refused = api.patch(f"/api/cart/items/{line['id']}", {"quantity": 2}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "cart_refused"
    assert api.patch(f"/api/cart/items/{line['id']}", {"quantity": 0}, format="json").status_code == 400
    assert api.delete(f"/api/cart/items/{line['id']}").json()["items"] == 2
    assert api.post("/api/cart/items", {"product_id": 999999}, format="json").status_code == 404
    other = APIClient()
    assert other.delete(f"/api/cart/items/{body['shops'][0]['lines'][0]['id']}").status_code == 404
