from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from catalog.models import Product
from checkout.selectors import cart_for_request, cart_item_for_request, cart_summary
from checkout.services import MAX_QUANTITY, CartError, cart_add, cart_item_remove, cart_item_set_quantity
from marketplace import idempotency
from marketplace.api import InputSerializer, error_response, page_parameters, paginated
from orders.api import views as order_api
from orders.api.shop_orders import ShopOrderOut


class CartItemInput(InputSerializer):
    product_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class QuantityInput(InputSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


def _money():
    # A new field each time: one instance shared by several names is bound to the last, and the
    # schema then listed only `total` of the cart's three amounts.
    return serializers.DecimalField(max_digits=12, decimal_places=2)


def _currency():
    return serializers.CharField(help_text="ISO 4217, upper case")


CartBody = inline_serializer(
    "Cart",
    {
        "items": serializers.IntegerField(help_text="Units in the cart"),
        "subtotal": _money(),
        "shipping": _money(),
        "total": _money(),
        "currency": _currency(),
        "can_checkout": serializers.BooleanField(),
        "created_at": serializers.DateTimeField(allow_null=True, help_text="Null until something is added"),
        "updated_at": serializers.DateTimeField(allow_null=True),
        "shops": inline_serializer(
            "CartShop",
            {
                "vendor": inline_serializer(
                    "CartVendor",
                    {
                        "id": serializers.IntegerField(),
                        "name": serializers.CharField(),
                        "slug": serializers.CharField(),
                    },
                ),
                "subtotal": _money(),
                "shipping": _money(),
                "total": _money(),
                "currency": _currency(),
                "lines": inline_serializer(
                    "CartLine",
                    {
                        "id": serializers.IntegerField(),
                        "product_id": serializers.IntegerField(),
                        "title": serializers.CharField(),
                        "quantity": serializers.IntegerField(),
                        "unit_price": _money(),
                        "total": _money(),
                        "currency": _currency(),
                        "price_changed": serializers.BooleanField(),
                        "problem": serializers.CharField(allow_null=True),
                        "added_at": serializers.DateTimeField(),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)


def _when(value) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def _body(request) -> dict:
    from django.conf import settings

    currency = settings.MARKETPLACE_CURRENCY
    summary = cart_summary(cart=cart_for_request(request))
    return {
        "items": summary.item_count,
        "subtotal": str(summary.subtotal),
        "shipping": str(summary.shipping),
        "total": str(summary.total),
        "currency": currency,
        "can_checkout": bool(summary.groups) and not summary.has_problems,
        "created_at": _when(summary.cart and summary.cart.created_at),
        "updated_at": _when(summary.cart and summary.cart.updated_at),
        "shops": [
            {
                "vendor": {"id": g.vendor.pk, "name": g.vendor.name, "slug": g.vendor.slug},
                "subtotal": str(g.subtotal),
                "shipping": str(g.shipping),
                "total": str(g.total),
                "currency": currency,
                "lines": [
                    {
                        "id": line.item.pk,
                        "product_id": line.item.product_id,
                        "title": line.item.product.title,
                        "quantity": line.item.quantity,
                        "unit_price": str(line.unit_price),
                        "total": str(line.total),
                        "currency": currency,
                        "price_changed": line.price_changed,
                        "problem": line.problem,
                        "added_at": _when(line.item.added_at),
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
    responses={201: CartBody, 404: OpenApiResponse(description="No such product for sale (`not_found`)")},
    summary="Add a product to the cart",
    parameters=[idempotency.PARAMETER],
)
@api_view(["POST"])
@permission_classes([AllowAny])
@idempotency.idempotent
def cart_items(request):
    data = CartItemInput(data=request.data)
    data.is_valid(raise_exception=True)
    product = Product.objects.visible().filter(pk=data.validated_data["product_id"]).first()
    if product is None:
        return error_response("not_found", "No such product for sale.", status.HTTP_404_NOT_FOUND)
    try:
        cart_add(cart=cart_for_request(request, create=True), product=product, quantity=data.validated_data["quantity"])
    except CartError as exc:
        return error_response("cart_refused", str(exc), errors={"quantity": [str(exc)]})
    return Response(_body(request), status=status.HTTP_201_CREATED)


@extend_schema(methods=["PATCH"], request=QuantityInput, responses=CartBody, summary="Change a line's quantity")
@extend_schema(
    methods=["DELETE"],
    request=None,
    responses={200: OpenApiResponse(CartBody, description="The cart after the removal (not an empty 204)")},
    summary="Remove a line; answers the cart as it is now",
)
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


class PlaceOrderInput(InputSerializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=150)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120)
    postcode = serializers.CharField(max_length=20)
    country = serializers.RegexField(r"^[A-Za-z]{2}$")


class CheckoutOut(serializers.Serializer):
    """A placed cart: one order per shop (each as ``GET /api/v1/orders/{id}`` shows it), paid together."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="Unpaid by then, the reserved stock is released")
    paid_at = serializers.DateTimeField(allow_null=True)
    orders = order_api.OrderSummaryOut(many=True)


class IntentInput(InputSerializer):
    checkout_id = serializers.IntegerField(min_value=1)


def _checkout_out(checkout) -> dict:
    checkout = (
        type(checkout)
        .objects.prefetch_related("orders__items", "orders__vendor", "orders__status_changes")
        .get(pk=checkout.pk)
    )
    return CheckoutOut(checkout).data


@extend_schema(
    methods=["GET"],
    operation_id="orders_list",
    parameters=[*order_api.LIST_PARAMETERS, *page_parameters()],
    responses=paginated(order_api.OrderSummaryOut, "PaginatedOrderList"),
    summary="Your orders: as a shopper, or your shop's (scope=shop); paginated",
)
@extend_schema(
    methods=["POST"],
    request=PlaceOrderInput,
    responses={
        201: CheckoutOut,
        409: OpenApiResponse(
            description="The cart can't be placed as it is now: empty (`empty_cart`), or something in it "
            "can't be bought (`checkout_refused`: sold out, a shop closed...)"
        ),
    },
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
    # 409: the request is well-formed; the cart's state is what refuses it.
    if cart is None:
        return error_response("empty_cart", "Your cart is empty.", status.HTTP_409_CONFLICT)
    try:
        checkout = checkout_place(cart=cart, email=d["email"], address=address, user=request.user)
    except CheckoutError as exc:
        return error_response("checkout_refused", str(exc), status.HTTP_409_CONFLICT)
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
    responses=inline_serializer("Intent", {"id": serializers.CharField(), "client_secret": serializers.CharField()}),
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
    checkout = checkout_for_request(request, data.validated_data["checkout_id"])
    try:
        intent_id, secret = checkout_payment_intent(checkout=checkout)
    except PaymentError as exc:
        return error_response("payment_unavailable", str(exc), status.HTTP_409_CONFLICT)
    return Response({"id": intent_id, "client_secret": secret})
