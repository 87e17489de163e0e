"""The cart: add, change, remove, merge a guest's cart into the account's on login.

Prices are never trusted from the cart: every read takes them from the
product (see ``selectors.cart_summary``). ``price_when_added`` is kept only to
tell the shopper that a price changed.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction

from catalog.models import LISTED_PRODUCT, Product
from marketplace.money import round_money

from .models import Cart, CartItem

MAX_CART_LINES = 100
MAX_QUANTITY = 999


class CartError(Exception):
    """A refusal the shopper should read (never a 500)."""


def purchase_problem(*, product: Product, quantity: int, held: int = 0) -> str | None:
    """Why ``quantity`` of ``product`` can't be bought right now, or None. Used on add and on every read.

    ``held`` is what the shopper's own open checkout already reserves of it: their own
    hold is theirs, never counted against them.
    """
    vendor = product.vendor
    # The one "visible to shoppers" rule (catalog.models / vendors.models), not spelled again here.
    if not LISTED_PRODUCT.holds(product):
        return "This item is no longer for sale."
    if not vendor.is_visible:
        return f"{vendor.name} isn't selling at the moment."
    if vendor.on_holiday:
        return f"{vendor.name} is on holiday: buying is paused."
    if not product.made_to_order:
        available = product.stock_quantity + held
        if available <= 0:
            return "Sold out."
        if quantity > available:
            return f"Only {available} left."
    return None


def cart_held_quantities(*, cart: Cart | None) -> dict[int, int]:
    """Units per product that the cart's own open checkout holds (its reservation still running)."""
    from django.db.models import Sum
    from django.utils import timezone

    from orders.models import OrderItem

    if cart is None or cart.pk is None:
        return {}
    rows = (
        OrderItem.objects.filter(
            order__checkout__cart=cart,
            order__checkout__status="awaiting_payment",
            order__checkout__expires_at__gt=timezone.now(),
            reserved=True,
        )
        .values("product_id")
        .annotate(n=Sum("quantity"))
    )
    return {row["product_id"]: row["n"] for row in rows}


def shop_shipping(*, vendor, lines: list[tuple[Product, int]]) -> Decimal:
    """A shop's shipping for one order of ``(product, quantity)`` lines — the one rule, for cart and checkout.

    The shop's flat rate once (when any item uses it, i.e. has no shipping price
    of its own), plus per-unit prices of items that have one; nothing at all
    when the order reaches the shop's free-shipping threshold.
    """
    if not lines:
        return Decimal("0.00")
    subtotal = sum((round_money(product.price * quantity) for product, quantity in lines), Decimal("0.00"))
    if vendor.free_shipping_over is not None and subtotal >= vendor.free_shipping_over:
        return Decimal("0.00")
    uses_flat = any(product.shipping_override is None for product, _ in lines)
    flat = vendor.shipping_flat if uses_flat else Decimal("0.00")
    overrides = sum(
        (product.shipping_override * quantity for product, quantity in lines if product.shipping_override is not None),
        Decimal("0.00"),
    )
    return round_money(flat + overrides)


def _check_quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartError("Quantity must be a whole number.")
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    if quantity > MAX_QUANTITY:
        raise CartError(f"At most {MAX_QUANTITY} of one item.")
    return quantity


def _lock(cart: Cart) -> Cart:
    return Cart.objects.select_for_update().get(pk=cart.pk)


@transaction.atomic
def cart_add(*, cart: Cart, product: Product, quantity: int = 1) -> CartItem:
    """Add to the cart (or add to the quantity already there)."""
    quantity = _check_quantity(quantity)
    _lock(cart)  # serialise adds to one cart: the line limit and the unique line hold under double clicks
    product = Product.objects.select_related("vendor").get(pk=product.pk)
    item = CartItem.objects.filter(cart=cart, product=product).first()
    total = quantity + (item.quantity if item else 0)
    problem = purchase_problem(product=product, quantity=total, held=cart_held_quantities(cart=cart).get(product.pk, 0))
    if problem:
        raise CartError(problem)
    if item:
        item.quantity = _check_quantity(total)
        item.price_when_added = product.price
        item.save(update_fields=["quantity", "price_when_added"])
        return item
    if CartItem.objects.filter(cart=cart).count() >= MAX_CART_LINES:
        raise CartError(f"A cart holds at most {MAX_CART_LINES} different items.")
    try:
        with transaction.atomic():
            return CartItem.objects.create(
                cart=cart, product=product, quantity=quantity, price_when_added=product.price
            )
    except IntegrityError as exc:
        raise CartError("That item is already in your cart.") from exc


@transaction.atomic
def cart_item_set_quantity(*, item: CartItem, quantity: int) -> CartItem:
    quantity = _check_quantity(quantity)
    item = CartItem.objects.select_for_update().select_related("product__vendor").get(pk=item.pk)
    held = cart_held_quantities(cart=item.cart).get(item.product_id, 0)
    problem = purchase_problem(product=item.product, quantity=quantity, held=held)
    if problem and quantity > item.quantity:  # lowering a quantity is always allowed
        raise CartError(problem)
    item.quantity = quantity
    item.price_when_added = item.product.price  # the shopper has now seen today's price
    item.save(update_fields=["quantity", "price_when_added"])
    return item


def cart_item_remove(*, item: CartItem) -> None:
    CartItem.objects.filter(pk=item.pk).delete()


@transaction.atomic
def cart_merge(*, guest_cart: Cart, user) -> Cart:
    """On login: the guest cart's lines join the account's cart; quantities add up, within stock."""
    target, _ = Cart.objects.get_or_create(user=user)
    if guest_cart.pk == target.pk:
        return target
    _lock(target)
    existing = {i.product_id: i for i in CartItem.objects.select_for_update().filter(cart=target)}
    for item in CartItem.objects.filter(cart=guest_cart).select_related("product"):
        mine = existing.get(item.product_id)
        if mine:
            wanted = mine.quantity + item.quantity
            if not item.product.made_to_order:
                wanted = min(wanted, max(item.product.stock_quantity, mine.quantity))
            mine.quantity = min(wanted, MAX_QUANTITY)
            mine.save(update_fields=["quantity"])
        elif len(existing) < MAX_CART_LINES:
            item.cart = target
            item.save(update_fields=["cart"])
            existing[item.product_id] = item
    guest_cart.delete()
    return target
