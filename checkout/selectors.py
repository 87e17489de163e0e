"""Reading the cart: which cart is the shopper's, and what it costs right now, shop by shop."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404

from marketplace.money import round_money
from marketplace.page_cache import read_with_page

from .models import Cart, CartItem, Checkout, FollowUp, PaymentRecord
from .services import cart_held_quantities, purchase_problem, shop_shipping

SESSION_KEY = "cart_id"
SESSION_CHECKOUTS = "checkout_ids"
ZERO = Decimal("0.00")


def cart_for_request(request, *, create: bool = False) -> Cart | None:
    """The signed-in user's cart, or the guest's (its id kept in the session, which survives login)."""
    if request.user.is_authenticated:
        if create:
            return Cart.objects.get_or_create(user=request.user)[0]
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        if not request.session.session_key:
            request.session.save()
        cart = Cart.objects.create(session_key=request.session.session_key)
        request.session[SESSION_KEY] = cart.pk
    return cart


def cart_item_for_request(request, *, item_id: int) -> CartItem:
    """A line of the shopper's own cart, or 404."""
    cart = cart_for_request(request)
    return get_object_or_404(CartItem.objects.select_related("product__vendor"), pk=item_id, cart=cart)


@dataclass
class Line:
    item: CartItem
    unit_price: Decimal
    total: Decimal
    problem: str | None
    price_changed: bool


@dataclass
class ShopGroup:
    vendor: object
    lines: list[Line] = field(default_factory=list)
    subtotal: Decimal = ZERO
    shipping: Decimal = ZERO
    total: Decimal = ZERO
    free_shipping_gap: Decimal | None = None


@dataclass
class CartSummary:
    cart: Cart | None
    groups: list[ShopGroup]
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    item_count: int

    @property
    def has_problems(self) -> bool:
        return any(line.problem for group in self.groups for line in group.lines)


def cart_summary(*, cart: Cart | None) -> CartSummary:
    """Today's prices, stock and shop status for every line, grouped by shop, with shipping and totals."""
    if cart is None:
        return CartSummary(cart=None, groups=[], subtotal=ZERO, shipping=ZERO, total=ZERO, item_count=0)
    items = CartItem.objects.filter(cart=cart).select_related("product__vendor").prefetch_related("product__images")
    groups: dict[int, ShopGroup] = {}
    held = cart_held_quantities(cart=cart)
    for item in items:
        product = item.product
        line = Line(
            item=item,
            unit_price=product.price,
            total=round_money(product.price * item.quantity),
            problem=purchase_problem(product=product, quantity=item.quantity, held=held.get(product.pk, 0)),
            price_changed=product.price != item.price_when_added,
        )
        groups.setdefault(product.vendor_id, ShopGroup(vendor=product.vendor)).lines.append(line)
    for group in groups.values():
        group.subtotal = sum((line.total for line in group.lines if not line.problem), ZERO)
        buyable = [(line.item.product, line.item.quantity) for line in group.lines if not line.problem]
        group.shipping = shop_shipping(vendor=group.vendor, lines=buyable)
        group.total = group.subtotal + group.shipping
        threshold = group.vendor.free_shipping_over
        if threshold is not None and group.shipping and group.subtotal < threshold:
            group.free_shipping_gap = threshold - group.subtotal
    ordered = sorted(groups.values(), key=lambda g: g.vendor.name)
    subtotal = sum((g.subtotal for g in ordered), ZERO)
    shipping = sum((g.shipping for g in ordered), ZERO)
    count = sum(line.item.quantity for g in ordered for line in g.lines)
    return CartSummary(
        cart=cart, groups=ordered, subtotal=subtotal, shipping=shipping, total=subtotal + shipping, item_count=count
    )


_CART_COUNT_SQL = {  # constants only; the id is a bound parameter
    "user": "SELECT COALESCE(SUM(i.quantity), 0) FROM checkout_cartitem i "
    "JOIN checkout_cart c ON c.id = i.cart_id WHERE c.user_id = %s",
    "guest": "SELECT COALESCE(SUM(i.quantity), 0) FROM checkout_cartitem i "
    "JOIN checkout_cart c ON c.id = i.cart_id WHERE c.id = %s AND c.user_id IS NULL",
}


# How long a guest cart's count is kept (checkout.receivers keeps it right after every change; this
# bounds how long a change the cache missed, in a Redis outage, can show the old number).
CART_COUNT_SECONDS = 600


def cart_count_key(cart_id: int) -> str:
    return f"cart-count:{cart_id}"


def _counted(which: str, key: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_CART_COUNT_SQL[which], [key])
        return int(cursor.fetchone()[0])


def guest_cart_count(cart_id: int) -> int:
    """The items in a guest cart, counted in the database (0 once it is an account's, or gone)."""
    return _counted("guest", cart_id)


def store_counted(cart_id: int, count: int) -> None:
    """Keep a count a reader made, unless one is kept already: a change that committed meanwhile
    stored its own (newer) count, which a reader's older one must not replace."""
    cache.add(cart_count_key(cart_id), count, CART_COUNT_SECONDS)


def cart_item_count(request) -> int:
    """The number on the cart badge of every page. A signed-in shopper's is counted by one prebuilt
    statement; a guest's is kept in the cache and read with their cached page, so a cached page costs
    them no query (checkout.receivers keeps it right when the cart changes)."""
    if request.user.is_authenticated:
        return _counted("user", request.user.pk)
    cart_id = request.session.get(SESSION_KEY)
    if not cart_id:
        return 0
    count = read_with_page(request, cart_count_key(cart_id))
    if count is None:
        count = guest_cart_count(cart_id)
        store_counted(cart_id, count)
    return count


def _cart_count_keys(request) -> list[str]:
    if request.user.is_authenticated:
        return []
    cart_id = request.session.get(SESSION_KEY)
    return [cart_count_key(cart_id)] if cart_id else []


cart_item_count.page_cache_keys = _cart_count_keys


def checkout_for_request(request, checkout_id: int) -> Checkout:
    """The shopper's own checkout (their account's, or one placed in this browser session), or 404."""
    checkout = get_object_or_404(Checkout, pk=checkout_id)
    if request.user.is_authenticated and checkout.user_id == request.user.pk:
        return checkout
    if checkout.pk in request.session.get(SESSION_CHECKOUTS, []):
        return checkout
    # The guest's own cart: written to the session once, so two tabs placing at once can't lose it
    # the way they can lose a write to the session's list of checkouts.
    cart_id = request.session.get(SESSION_KEY)
    if cart_id and checkout.cart_id == cart_id and checkout.user_id is None:
        return checkout
    raise Http404


# --- The staff dashboard's figures (registered in checkout/dashboard.py) --------------------------


def dashboard_payment_outcomes(*, start, end) -> tuple[dict, dict]:
    """How card payments went, from the payment audit log: ``(per local day, whole period)``, each
    ``{"succeeded": n, "attempted": n, "declined": n}``.

    A checkout has one PaymentIntent, so intents are counted as checkouts: ``attempted`` is the intents with
    an outcome (a success or a decline) recorded in the period, ``succeeded`` those with a success among
    them, ``declined`` every declined attempt (each card tried is one ``failed`` row). An intent declined
    twice and then paid is one attempted, one succeeded, two declined. The whole period is counted on
    its own (not summed from the days): an intent declined one day and paid the next is one attempt.
    """
    from django.db.models import Count, Q
    from django.db.models.functions import TruncDate

    from .models import PaymentRecord

    kind = PaymentRecord.Kind
    outcomes = PaymentRecord.objects.filter(
        kind__in=(kind.SUCCEEDED, kind.FAILED), created_at__gte=start, created_at__lt=end
    )
    counts = {
        "succeeded": Count("checkout", distinct=True, filter=Q(kind=kind.SUCCEEDED)),
        "attempted": Count("checkout", distinct=True),
        "declined": Count("pk", filter=Q(kind=kind.FAILED)),
    }
    rows = outcomes.annotate(day=TruncDate("created_at")).values("day").annotate(**counts).order_by("day")
    per_day = {r.pop("day"): r for r in rows}
    return per_day, outcomes.aggregate(**counts)


def followups_failed(*, transfers: bool):
    """Follow-ups that failed for good, oldest first: the shops' transfers, or (``transfers=False``) the emails."""
    rows = FollowUp.objects.filter(status=FollowUp.Status.FAILED).select_related("checkout", "order__vendor")
    rows = rows.filter(kind=FollowUp.Kind.TRANSFER) if transfers else rows.exclude(kind=FollowUp.Kind.TRANSFER)
    return rows.order_by("created_at", "pk")


def payment_alerts(*, since):
    """The payment audit's "needs attention" rows since ``since`` (amounts that didn't match, late or second
    payments: each was refunded or kept automatically, staff look at what happened)."""
    return (
        PaymentRecord.objects.filter(kind=PaymentRecord.Kind.ALERT, created_at__gte=since)
        .select_related("checkout")
        .order_by("created_at", "pk")
    )
