"""Placing a checkout: lock, re-check, reserve stock, one order per shop; release unpaid reservations.

Money is split by ``split_payment`` alone, so the amounts written here and the
invariant tested with hypothesis are the same arithmetic.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Product
from marketplace.cache_versions import catalogue_changed
from marketplace.money import allocate, fee, round_money
from orders.models import Order, OrderItem

from .models import Cart, CartItem, Checkout
from .services import purchase_problem, shop_shipping

RESERVATION = timedelta(minutes=30)


class CheckoutError(Exception):
    """The checkout can't be placed as it is; the message says what to change."""


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postcode: str
    country: str
    line2: str = ""

    def cleaned(self) -> "Address":
        values = {k: " ".join(str(v).split()) for k, v in self.__dict__.items()}
        values["country"] = values["country"].upper()
        missing = [k for k in ("name", "line1", "city", "postcode", "country") if not values[k]]
        if missing:
            raise CheckoutError(f"The shipping address needs: {', '.join(missing)}.")
        if len(values["country"]) != 2 or not values["country"].isalpha():
            raise CheckoutError("Use the two-letter country code, e.g. GB.")
        return Address(**values)


@dataclass(frozen=True)
class OrderSplit:
    platform_fee: Decimal
    vendor_net: Decimal
    processing_fee_share: Decimal


def split_payment(*, order_totals: list[Decimal], rate: Decimal, processing_fee: Decimal) -> list[OrderSplit]:
    """Each shop's platform fee (rate × its order, half-up to the cent), its net, and its share of
    the card processing fee (pro rata by order total, largest remainder so the shares add up)."""
    shares = allocate(processing_fee, order_totals) if processing_fee else [Decimal("0.00")] * len(order_totals)
    splits = []
    for total, share in zip(order_totals, shares, strict=True):
        platform_fee = fee(total, rate)
        splits.append(
            OrderSplit(platform_fee=platform_fee, vendor_net=total - platform_fee, processing_fee_share=share)
        )
    return splits


def checkout_place(*, cart: Cart, email: str, address: Address, user=None) -> Checkout:
    """Turn the cart into a checkout awaiting payment, with stock reserved for 30 minutes.

    Products are locked (in id order, so two checkouts can't deadlock) and
    re-checked under the lock: the last unit goes to exactly one shopper.
    """
    address = address.cleaned()
    email = email.strip()
    if "@" not in email:
        raise CheckoutError("Give an email address for the receipt.")
    items = list(CartItem.objects.filter(cart=cart).select_related("product").order_by("product_id"))
    if not items:
        raise CheckoutError("Your cart is empty.")
    changed = [item for item in items if item.product.price != item.price_when_added]
    if changed:
        # The shopper agreed to other prices: show the new ones before taking money. Recording
        # that they have now been shown lets the next attempt go through.
        for item in changed:
            CartItem.objects.filter(pk=item.pk).update(price_when_added=item.product.price)
        names = ", ".join(item.product.title for item in changed)
        raise CheckoutError(f"Prices changed since you added {names}. Check your cart and place the order again.")

    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Product.objects.select_for_update(of=("self",))
            .select_related("vendor")
            .filter(pk__in=[i.product_id for i in items])
            .order_by("pk")
        }
        problems = []
        for item in items:
            product = locked[item.product_id]
            if product.price != item.price_when_added:  # changed in the last instant: refuse, don't guess
                problems.append(f"{product.title}: the price just changed.")
                continue
            problem = purchase_problem(product=product, quantity=item.quantity)
            if problem:
                problems.append(f"{product.title}: {problem}")
        if problems:
            raise CheckoutError(" ".join(problems))

        by_shop: dict[int, list[tuple[Product, int]]] = {}
        for item in items:
            product = locked[item.product_id]
            by_shop.setdefault(product.vendor_id, []).append((product, item.quantity))
        shops = sorted(by_shop.items(), key=lambda kv: kv[0])
        subtotals = [sum((round_money(p.price * q) for p, q in lines), Decimal("0.00")) for _, lines in shops]
        shippings = [shop_shipping(vendor=lines[0][0].vendor, lines=lines) for _, lines in shops]
        totals = [s + h for s, h in zip(subtotals, shippings, strict=True)]
        splits = split_payment(order_totals=totals, rate=settings.PLATFORM_FEE_RATE, processing_fee=Decimal("0"))

        checkout = Checkout.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            email=email,
            shipping_name=address.name,
            shipping_line1=address.line1,
            shipping_line2=address.line2,
            shipping_city=address.city,
            shipping_postcode=address.postcode,
            shipping_country=address.country,
            currency=settings.MARKETPLACE_CURRENCY,
            subtotal=sum(subtotals, Decimal("0.00")),
            shipping=sum(shippings, Decimal("0.00")),
            total=sum(totals, Decimal("0.00")),
            platform_fee=sum((s.platform_fee for s in splits), Decimal("0.00")),
            expires_at=timezone.now() + RESERVATION,
            cart=cart,
        )
        for (vendor_id, lines), subtotal, shipping, total, split in zip(
            shops, subtotals, shippings, totals, splits, strict=True
        ):
            order = Order.objects.create(
                checkout=checkout,
                vendor_id=vendor_id,
                currency=checkout.currency,
                subtotal=subtotal,
                shipping=shipping,
                total=total,
                platform_fee=split.platform_fee,
                vendor_net=split.vendor_net,
            )
            for product, quantity in lines:
                reserve = not product.made_to_order
                OrderItem.objects.create(
                    order=order,
                    product=product,
                    title=product.title,
                    unit_price=product.price,
                    quantity=quantity,
                    line_total=round_money(product.price * quantity),
                    reserved=reserve,
                )
                if reserve:
                    Product.objects.filter(pk=product.pk).update(stock_quantity=F("stock_quantity") - quantity)
        transaction.on_commit(catalogue_changed)  # stock moved: "in stock" filters may change
    return checkout


def checkout_expire(*, checkout: Checkout, now=None) -> bool:
    """Release an unpaid checkout past its reservation: stock goes back, orders are marked expired.

    Returns False (and changes nothing) if it was paid or already expired in the meantime.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != Checkout.Status.AWAITING_PAYMENT or locked.expires_at > now:
            return False
        for item in OrderItem.objects.filter(order__checkout=locked, reserved=True).order_by("product_id"):
            Product.objects.filter(pk=item.product_id).update(stock_quantity=F("stock_quantity") + item.quantity)
        Order.objects.filter(checkout=locked).update(status=Order.Status.EXPIRED)
        locked.status = Checkout.Status.EXPIRED
        locked.save(update_fields=["status"])
        transaction.on_commit(catalogue_changed)
    return True


def checkouts_expire_due(*, now=None) -> int:
    now = now or timezone.now()
    due = Checkout.objects.filter(status=Checkout.Status.AWAITING_PAYMENT, expires_at__lte=now).order_by("pk")
    return sum(1 for checkout in due if checkout_expire(checkout=checkout, now=now))
