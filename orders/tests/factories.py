"""Paid orders without going through Stripe: placed by the real checkout service, then marked paid."""

from decimal import Decimal

from django.utils import timezone

from catalog.tests.factories import ProductFactory
from checkout.models import Cart, Checkout
from checkout.placement import Address, checkout_place
from checkout.services import cart_add
from orders.models import Order
from orders.services import orders_mark_paid

ADDRESS = Address(name="Sasha Shopper", line1="1 High St", city="Bath", postcode="BA1 1AA", country="GB")


def paid_checkout(*, user, vendors, price=Decimal("20.00"), quantity=1, email=None) -> Checkout:
    """``user`` (None for a guest) buys one product from each shop in ``vendors``; the checkout is paid."""
    cart = (
        Cart.objects.get_or_create(user=user)[0]
        if user
        else Cart.objects.create(session_key=f"s{Cart.objects.count()}")
    )
    for vendor in vendors:
        cart_add(cart=cart, product=ProductFactory(vendor=vendor, price=price), quantity=quantity)
    checkout = checkout_place(cart=cart, email=email or (user.email if user else "guest@example.com"),
                              address=ADDRESS, user=user)  # fmt: skip
    now = timezone.now()
    orders_mark_paid(orders=list(checkout.orders.all()), at=now)
    Checkout.objects.filter(pk=checkout.pk).update(status=Checkout.Status.PAID, paid_at=now)
    cart.items.all().delete()  # as a real payment does
    checkout.refresh_from_db()
    return checkout


def paid_order(*, user, vendor, **kwargs) -> Order:
    return paid_checkout(user=user, vendors=[vendor], **kwargs).orders.get()
