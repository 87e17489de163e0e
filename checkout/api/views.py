from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from catalog.models import Product
from checkout.selectors import cart_for_request, cart_item_for_request, cart_summary
from checkout.services import MAX_QUANTITY, CartError, cart_add, cart_item_remove, cart_item_set_quantity
from marketplace import idempotency
from marketplace.api import error_response
from orders.api import views as order_api
from orders.api.shop_orders import ShopOrderOut


class CartItemInput(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class QuantityInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


_money = serializers.DecimalField(max_digits=12, decimal_places=2)
CartBody = inline_serializer(
    "Cart",
    {
        "items": serializers.IntegerField(help_text="Units in the cart"),
        "subtotal": _money,
        "shipping": _money,
        "total": _money,
        "currency": serializers.CharField(),
        "canCheckout": serializers.BooleanField(),
        "shops": inline_serializer(
            "CartShop",
            {
                "vendor": serializers.DictField(),
                "subtotal": _money,
                "shipping": _money,
                "total": _money,
                "lines": inline_serializer(
                    "CartLine",
                    {
                        "id": serializers.IntegerField(),
                        "product": serializers.IntegerField(),
                        "title": serializers.CharField(),
                        "quantity": serializers.IntegerField(),
                        "unitPrice": _money,
                        "total": _money,
                        "priceChanged": serializers.BooleanField(),
                        "problem": serializers.CharField(allow_null=True),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)


def _body(request) -> dict:
    from django.conf import settings

    summary = cart_summary(cart=cart_for_request(request))
    return {
        "items": summary.item_count,
        "subtotal": str(summary.subtotal),
        "shipping": str(summary.shipping),
        "total": str(summary.total),
        "currency": settings.MARKETPLACE_CURRENCY,
        "canCheckout": bool(summary.groups) and not summary.has_problems,
        "shops": [
            {
                "vendor": {"id": g.vendor.pk, "name": g.vendor.name, "slug": g.vendor.slug},
                "subtotal": str(g.subtotal),
                "shipping": str(g.shipping),
                "total": str(g.total),
                "lines": [
                    {
                        "id": line.item.pk,
                        "product": line.item.product_id,
                        "title": line.item.product.title,
                        "quantity": line.item.quantity,
                        "unitPrice": str(line.unit_price),
                        "total": str(line.total),
                        "priceChanged": line.price_changed,
                        "problem": line.problem,
                    }
                    for line in g.lines
                ],
            }
            for g in summary.groups
        ],
    }


@extend_schema(responses=CartBody, summary="The shopper's cart, priced now, by shop")
@api_view(["GET"])
@permission_classes([AllowAny])
def cart(request):
    return Response(_body(request))


@extend_schema(
    request=CartItemInput,
    responses={201: CartBody},
    summary="Add a product to the cart",
    parameters=[idempotency.PARAMETER],
)
@api_view(["POST"])
@permission_classes([AllowAny])
@idempotency.idempotent
def cart_items(request):
    data = CartItemInput(data=request.data)
    data.is_valid(raise_exception=True)
    product = Product.objects.visible().filter(pk=data.validated_data["product"]).first()
    if product is None:
        return error_response("not_found", "No such product for sale.", status.HTTP_404_NOT_FOUND)
    try:
        cart_add(cart=cart_for_request(request, create=True), product=product, quantity=data.validated_data["quantity"])
    except CartError as exc:
        return error_response("cart_refused", str(exc), errors={"quantity": [str(exc)]})
    return Response(_body(request), status=status.HTTP_201_CREATED)


@extend_schema(request=QuantityInput, responses=CartBody, summary="Change a line's quantity, or remove it")
@api_view(["PATCH", "DELETE"])
@permission_classes([AllowAny])
def cart_item(request, item_id: int):
    item = cart_item_for_request(request, item_id=item_id)
    if request.method == "DELETE":
        cart_item_remove(item=item)
        return Response(_body(request))
    data = QuantityInput(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        cart_item_set_quantity(item=item, quantity=data.validated_data["quantity"])
    except CartError as exc:
        return error_response("cart_refused", str(exc), errors={"quantity": [str(exc)]})
    return Response(_body(request))


class PlaceOrderInput(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=150)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120)
    postcode = serializers.CharField(max_length=20)
    country = serializers.RegexField(r"^[A-Za-z]{2}$")


class OrderItemOut(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    title = serializers.CharField()
    unitPrice = serializers.DecimalField(source="unit_price", max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    total = serializers.DecimalField(source="line_total", max_digits=12, decimal_places=2)


class OrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    shop = serializers.CharField(source="vendor.name")
    status = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    items = OrderItemOut(many=True)


class CheckoutOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    expiresAt = serializers.DateTimeField(source="expires_at")
    orders = OrderOut(many=True)


class IntentInput(serializers.Serializer):
    checkout = serializers.IntegerField(min_value=1)


def _checkout_out(checkout) -> dict:
    checkout = type(checkout).objects.prefetch_related("orders__items", "orders__vendor").get(pk=checkout.pk)
    return CheckoutOut(checkout).data


@extend_schema(
    methods=["GET"],
    parameters=order_api.LIST_PARAMETERS,
    responses=order_api.OrderSummaryOut(many=True),
    summary="Your orders: as a shopper, or your shop's (scope=shop); paginated",
)
@extend_schema(
    methods=["POST"],
    request=PlaceOrderInput,
    responses={201: CheckoutOut},
    summary="Place the cart as orders",
    parameters=[idempotency.PARAMETER],
)
@api_view(["GET", "POST"])
@permission_classes([AllowAny])
@idempotency.idempotent
def place_orders(request):
    if request.method == "GET":
        return order_api.order_list(request)
    from checkout.placement import Address, CheckoutError, checkout_place
    from checkout.selectors import SESSION_CHECKOUTS

    data = PlaceOrderInput(data=request.data)
    data.is_valid(raise_exception=True)
    d = data.validated_data
    address = Address(name=d["name"], line1=d["line1"], line2=d["line2"], city=d["city"], postcode=d["postcode"],
                      country=d["country"])  # fmt: skip
    cart = cart_for_request(request)
    if cart is None:
        return error_response("empty_cart", "Your cart is empty.")
    try:
        checkout = checkout_place(cart=cart, email=d["email"], address=address, user=request.user)
    except CheckoutError as exc:
        return error_response("checkout_refused", str(exc))
    if not request.user.is_authenticated:
        request.session[SESSION_CHECKOUTS] = [*request.session.get(SESSION_CHECKOUTS, [])[-9:], checkout.pk]
    return Response(_checkout_out(checkout), status=status.HTTP_201_CREATED)


@extend_schema(
    responses={200: ShopOrderOut, 404: OpenApiResponse(description="Not an order of yours or your shop")},
    summary="One order: the buyer's own (guests: placed in this session), or the selling shop's (and staff)",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def order_detail(request, order_id: int):
    from django.http import Http404

    from checkout.selectors import checkout_for_request
    from orders.models import Order
    from orders.selectors import order_for_api

    order = (
        Order.objects.select_related("vendor", "checkout")
        .prefetch_related("items", "status_changes")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404
    try:
        checkout_for_request(request, order.checkout_id)  # the buyer's own
    except Http404:
        order = order_for_api(user=request.user, order_id=order_id)  # the shop's own, or staff; else 404
        return Response(ShopOrderOut(order).data)  # with where to ship; never the buyer's email or account
    return Response(order_api.OrderSummaryOut(order).data)


@extend_schema(
    request=IntentInput,
    responses=inline_serializer("Intent", {"id": serializers.CharField(), "clientSecret": serializers.CharField()}),
    summary="The PaymentIntent for a checkout (created once; a retry returns the same one)",
    parameters=[idempotency.PARAMETER],
)
@api_view(["POST"])
@permission_classes([AllowAny])
@idempotency.idempotent
def create_intent(request):
    from checkout.payments import PaymentError, checkout_payment_intent
    from checkout.selectors import checkout_for_request

    data = IntentInput(data=request.data)
    data.is_valid(raise_exception=True)
    checkout = checkout_for_request(request, data.validated_data["checkout"])
    try:
        intent_id, secret = checkout_payment_intent(checkout=checkout)
    except PaymentError as exc:
        return error_response("payment_unavailable", str(exc), status.HTTP_409_CONFLICT)
    return Response({"id": intent_id, "clientSecret": secret})
