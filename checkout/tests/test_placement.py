"""Placing a checkout: orders per shop, money that adds up, stock that never goes negative."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.placement import Address, CheckoutError, checkout_place, checkouts_expire_due, split_payment
from checkout.services import cart_add
from orders.models import Order

ADDRESS = Address(name="Sasha Shopper", line1="1 High St", city="Bath", postcode="BA1 1AA", country="gb")


@pytest.fixture
def cart(shopper):
    return Cart.objects.create(user=shopper)


@pytest.mark.django_db
def test_one_checkout_one_order_per_shop_with_fees(cart, shopper, vendor_a, vendor_b):
    mug = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=5)
    scarf = ProductFactory(vendor=vendor_b, price=Decimal("35.50"), stock_quantity=1)
    cart_add(cart=cart, product=mug, quantity=2)
    cart_add(cart=cart, product=scarf)
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS, user=shopper)

    assert checkout.status == "awaiting_payment"
    assert (checkout.subtotal, checkout.shipping, checkout.total) == (
        Decimal("75.50"),
        Decimal("9.00"),
        Decimal("84.50"),
    )
    kiln = Order.objects.get(checkout=checkout, vendor=vendor_a)
    assert (kiln.total, kiln.platform_fee, kiln.vendor_net) == (Decimal("44.50"), Decimal("1.11"), Decimal("43.39"))
    loom = Order.objects.get(checkout=checkout, vendor=vendor_b)
    assert (loom.total, loom.platform_fee) == (Decimal("40.00"), Decimal("1.00"))
    assert checkout.platform_fee == Decimal("2.11")
    assert checkout.shipping_country == "GB"
    assert checkout.expires_at > timezone.now() + timedelta(minutes=29)
    # Stock is reserved; items are snapshots.
    assert Product.objects.get(pk=mug.pk).stock_quantity == 3
    assert Product.objects.get(pk=scarf.pk).stock_quantity == 0
    item = kiln.items.get()
    Product.objects.filter(pk=mug.pk).update(price=Decimal("99.00"), title="Renamed")
    item.refresh_from_db()
    assert (item.title, item.unit_price, item.line_total) == (mug.title, Decimal("20.00"), Decimal("40.00"))


@pytest.mark.django_db
def test_refused_when_something_changed(cart, shopper, vendor_a):
    product = ProductFactory(vendor=vendor_a, price=Decimal("20.00"), stock_quantity=2)
    cart_add(cart=cart, product=product, quantity=2)
    Product.objects.filter(pk=product.pk).update(stock_quantity=1)
    with pytest.raises(CheckoutError, match="Only 1 left"):
        checkout_place(cart=cart, email=shopper.email, address=ADDRESS)
    Product.objects.filter(pk=product.pk).update(stock_quantity=5, price=Decimal("22.00"))
    with pytest.raises(CheckoutError, match="Prices changed"):
        checkout_place(cart=cart, email=shopper.email, address=ADDRESS)
    # Having been told, the shopper can place it at the new price.
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS)
    assert checkout.subtotal == Decimal("44.00")
    assert not Checkout.objects.exclude(pk=checkout.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "email", "message"),
    [
        (Address(name="", line1="1 High St", city="Bath", postcode="BA1", country="GB"), "a@b.co", "Give a name"),
        (Address(name="A", line1="1", city="Bath", postcode="BA1", country="GBR"), "a@b.co", "two-letter"),
        (ADDRESS, "not-an-email", "email address"),
    ],
)
def test_bad_checkout_details_are_refused(cart, vendor_a, address, email, message):
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a))
    with pytest.raises(CheckoutError, match=message):
        checkout_place(cart=cart, email=email, address=address)


@pytest.mark.django_db
def test_an_empty_cart_cannot_be_placed(cart, shopper):
    with pytest.raises(CheckoutError, match="empty"):
        checkout_place(cart=cart, email=shopper.email, address=ADDRESS)


@pytest.mark.django_db
def test_unpaid_checkouts_expire_after_30_minutes_and_give_stock_back(cart, shopper, vendor_a):
    product = ProductFactory(vendor=vendor_a, stock_quantity=3)
    cart_add(cart=cart, product=product, quantity=2)
    checkout = checkout_place(cart=cart, email=shopper.email, address=ADDRESS)
    assert checkouts_expire_due(now=timezone.now() + timedelta(minutes=29)) == 0
    assert checkouts_expire_due(now=timezone.now() + timedelta(minutes=31)) == 1
    checkout.refresh_from_db()
    assert checkout.status == "expired"
    assert set(checkout.orders.values_list("status", flat=True)) == {"expired"}
    assert Product.objects.get(pk=product.pk).stock_quantity == 3
    assert checkouts_expire_due(now=timezone.now() + timedelta(minutes=40)) == 0  # once only


@pytest.mark.django_db(transaction=True)
def test_twenty_shoppers_race_for_the_last_unit(vendor_a):
    from vendors.tests.factories import UserFactory

    product = ProductFactory(vendor=vendor_a, stock_quantity=1)
    carts = []
    for _ in range(20):
        user = UserFactory()
        cart = Cart.objects.create(user=user)
        cart_add(cart=cart, product=product)
        carts.append((cart, user))
    start = threading.Barrier(20)
    outcomes = []

    def buy(cart, user):
        try:
            start.wait()
            checkout_place(cart=cart, email=user.email, address=ADDRESS, user=user)
            outcomes.append("ok")
        except CheckoutError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=pair) for pair in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert all("Sold out" in o for o in outcomes if o != "ok")
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock_quantity == 0


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    totals=st.lists(money, min_size=1, max_size=12),
    processing=st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
)
def test_the_parts_always_add_up_to_the_amount_charged(totals, processing):
    """Σ vendor net after its processing share + Σ platform fee + processing fee = amount charged."""
    charged = sum(totals, Decimal("0"))
    splits = split_payment(order_totals=totals, rate=Decimal("0.025"), processing_fee=processing)
    nets = sum((s.vendor_net - s.processing_fee_share for s in splits), Decimal("0"))
    fees = sum((s.platform_fee for s in splits), Decimal("0"))
    assert nets + fees + processing == charged
    assert sum((s.processing_fee_share for s in splits), Decimal("0")) == processing
    for total, split in zip(totals, splits, strict=True):
        assert split.platform_fee == (total * Decimal("0.025")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
