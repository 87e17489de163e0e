from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from catalog.models import Product
from checkout.selectors import cart_for_request, cart_item_for_request, cart_summary
from checkout.services import MAX_QUANTITY, CartError, cart_add, cart_item_remove, cart_item_set_quantity
from marketplace.api import error_response


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


@extend_schema(request=CartItemInput, responses={201: CartBody}, summary="Add a product to the cart")
@api_view(["POST"])
@permission_classes([AllowAny])
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
