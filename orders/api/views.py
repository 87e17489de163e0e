"""``GET /api/orders`` (list) and ``PUT /api/orders/{id}/status``.

``/api/orders`` is shared with checkout's ``POST`` (placing the cart), which owns
the route and hands ``GET`` to ``order_list`` here: checkout depends on orders,
never the reverse.
"""

from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.api import InputSerializer, Pages, error_response
from vendors.models import Vendor

from .. import selectors
from ..models import Order
from ..services import OrderError, order_shop_action

_money = {"max_digits": 12, "decimal_places": 2}


class OrderLineOut(serializers.Serializer):
    product_id = serializers.IntegerField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**_money)
    total = serializers.DecimalField(source="line_total", **_money)
    currency = serializers.CharField(source="order.currency")


class StatusChangeOut(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    vendor_id = serializers.IntegerField()
    shop = serializers.CharField(source="vendor.name")
    status = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(**_money)
    shipping = serializers.DecimalField(**_money)
    total = serializers.DecimalField(**_money)
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    items = OrderLineOut(many=True)
    history = StatusChangeOut(source="status_changes", many=True)


class StatusInput(InputSerializer):
    status = serializers.ChoiceField(choices=[Order.Status.PROCESSING, Order.Status.SHIPPED, Order.Status.DELIVERED])
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


LIST_PARAMETERS = [
    OpenApiParameter(
        "scope",
        OpenApiTypes.STR,
        enum=["mine", "shop"],
        description="`mine` (default): orders you bought; `shop`: your shop's orders",
    ),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=["open", *Order.Status.values],
        description="Only this status (`open` = paid or processing)",
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Placed on or after (scope=shop)"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Placed on or before (scope=shop)"),
]


def order_list(request):
    """The caller's orders: as a shopper (``scope=mine``) or as a shop (``scope=shop``), paginated."""
    if not request.user.is_authenticated:
        return error_response("not_authenticated", "Log in to see your orders.", status.HTTP_401_UNAUTHORIZED)
    scope = request.query_params.get("scope", "mine")
    wanted = request.query_params.get("status", "")
    if wanted and wanted != "open" and wanted not in Order.Status.values:
        return error_response("invalid", "Unknown status.", errors={"status": [f"'{wanted}' is not a status."]})
    dates = {}
    for name in ("date_from", "date_to"):
        raw = request.query_params.get(name, "")
        parsed = parse_date(raw) if raw else None
        if raw and parsed is None:
            return error_response("invalid", "Dates are YYYY-MM-DD.", errors={name: ["Use YYYY-MM-DD."]})
        dates[name] = parsed
    if scope == "shop":
        vendor = Vendor.objects.filter(owner=request.user).first()
        if vendor is None:
            return error_response("no_shop", "You don't have a shop.", status.HTTP_404_NOT_FOUND)
        queryset = selectors.orders_for_shop(vendor=vendor, status=wanted, **dates)
    elif scope == "mine":
        queryset = selectors.orders_for_shopper(user=request.user)
        if wanted == "open":
            queryset = queryset.filter(status__in=(Order.Status.PAID, Order.Status.PROCESSING))
        elif wanted:
            queryset = queryset.filter(status=wanted)
    else:
        return error_response("invalid", "scope is mine or shop.", errors={"scope": ["Use mine or shop."]})
    queryset = queryset.select_related("vendor").prefetch_related("items", "status_changes")
    paginator = Pages()
    if scope == "shop":  # the shop reads each order as GET /api/orders/{id} shows it to the shop
        from .shop_orders import ShopOrderOut, with_shop_details

        page = paginator.paginate_queryset(with_shop_details(queryset), request)
        return paginator.get_paginated_response(ShopOrderOut(page, many=True).data)
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(OrderSummaryOut(page, many=True).data)


@extend_schema(
    request=StatusInput,
    responses={
        200: OrderSummaryOut,
        400: OpenApiResponse(description="Invalid fields, or shipped without carrier and tracking number"),
        404: OpenApiResponse(description="No such order of your shop"),
        409: OpenApiResponse(
            inline_serializer("OrderConflict", {"code": serializers.CharField(), "detail": serializers.CharField()}),
            description="The order's status doesn't allow this move (code `illegal_transition`)",
        ),
    },
    summary="Move your shop's order on: processing, shipped (carrier and tracking number required), delivered",
)
@api_view(["PUT"])
@permission_classes([IsAuthenticated])
def order_status(request, order_id: int):
    order = selectors.order_for_api(user=request.user, order_id=order_id)
    data = StatusInput(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        order_shop_action(order=order, by=request.user, action=data.validated_data["status"], **{
            k: data.validated_data[k] for k in ("carrier", "tracking_number", "note")
        })  # fmt: skip
    except OrderError as exc:
        http = status.HTTP_409_CONFLICT if exc.code == "illegal_transition" else status.HTTP_400_BAD_REQUEST
        return error_response(exc.code, str(exc), http)
    fresh = selectors.order_for_api(user=request.user, order_id=order_id)
    return Response(OrderSummaryOut(fresh).data)
