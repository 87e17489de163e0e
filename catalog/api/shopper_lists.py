"""``/api/favourites`` and ``/api/follows``: the signed-in person's own favourites and followed shops.

Each person only ever reaches their own rows (everything is filtered by ``request.user``; another
person's favourite is simply not there: 404). POST is idempotent: favouriting twice answers 200 with
the same row (201 the first time), never a duplicate or a 500.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.models import Favourite, ShopFollow
from catalog.services.shopper_lists import favourite_add, favourite_remove, shop_follow_add, shop_follow_remove
from marketplace.api import ErrorSerializer, InputSerializer, Pages

MAX_FILTER_IDS = 100


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="`invalid`: a field is missing or wrong (see `errors`)"),
    401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`: sign in or send a token"),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="`not_found`: not in your list")}
# An id of something not on sale answers like the cart's: 404 ``not_found`` (docs/api.md).
NOT_FOUND_FOR_SALE = {404: OpenApiResponse(ErrorSerializer, description="`not_found`: no product on sale has this id")}
NOT_FOUND_OPEN = {404: OpenApiResponse(ErrorSerializer, description="`not_found`: no open shop has this id")}


class FavouriteProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    shop_id = serializers.IntegerField(source="vendor_id")


class FavouriteSerializer(serializers.ModelSerializer):
    product = FavouriteProductSerializer(read_only=True)
    available = serializers.SerializerMethodField(help_text="False once the product is no longer on sale")

    class Meta:
        model = Favourite
        fields = ["id", "product_id", "product", "available", "created_at"]

    def get_available(self, row) -> bool:
        return row.product.is_visible


class FavouriteCreateSerializer(InputSerializer):
    product_id = serializers.IntegerField(min_value=1)


class FollowShopSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class FollowSerializer(serializers.ModelSerializer):
    shop_id = serializers.IntegerField(source="vendor_id")
    shop = FollowShopSerializer(source="vendor", read_only=True)
    available = serializers.SerializerMethodField(help_text="False while the shop is closed to shoppers")

    class Meta:
        model = ShopFollow
        fields = ["id", "shop_id", "shop", "available", "created_at"]

    def get_available(self, row) -> bool:
        return row.vendor.is_visible


class FollowCreateSerializer(InputSerializer):
    shop_id = serializers.IntegerField(min_value=1)


def _invalid(field: str, message: str):
    return serializers.ValidationError({field: [message]})


class Favourites(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pages
    serializer_class = FavouriteSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "product_ids",
                {"type": "string", "pattern": r"^[0-9]+(,[0-9]+){0,99}$"},
                description=f"Only these products (comma-separated ids, at most {MAX_FILTER_IDS}): which of a page "
                "of cards you have favourited",
            )
        ],
        responses={200: FavouriteSerializer(many=True), **ERRORS},
        summary="Your favourites, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = selectors.favourite_list_for_user(user=self.request.user)
        raw = self.request.query_params.get("product_ids")
        if raw is not None:
            parts = [part.strip() for part in raw.split(",") if part.strip()]
            if not parts or len(parts) > MAX_FILTER_IDS or not all(part.isdigit() for part in parts):
                raise _invalid("product_ids", f"Give 1 to {MAX_FILTER_IDS} product ids separated by commas.")
            rows = rows.filter(product_id__in=[int(part) for part in parts])
        return rows

    @extend_schema(
        request=FavouriteCreateSerializer,
        responses={201: FavouriteSerializer, 200: FavouriteSerializer, **ERRORS, **NOT_FOUND_FOR_SALE},
        summary="Favourite a product (200 with the same row when it already is)",
    )
    def post(self, request):
        body = FavouriteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product_id = body.validated_data["product_id"]
        try:
            product = selectors.product_get_for_favourite(product_id=product_id)
        except Http404:
            raise NotFound("No product on sale has this id.") from None
        row, created = favourite_add(user=request.user, product=product)
        row = selectors.favourite_list_for_user(user=request.user).get(pk=row.pk)
        return Response(
            FavouriteSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class FavouriteDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None, **ERRORS, **NOT_FOUND}, summary="Remove a product from your favourites")
    def delete(self, request, product_id: int):
        if not favourite_remove(user=request.user, product_id=product_id):
            raise NotFound("This product is not in your favourites.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class Follows(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pages
    serializer_class = FollowSerializer

    @extend_schema(responses={200: FollowSerializer(many=True), **ERRORS}, summary="Shops you follow, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.follow_list_for_user(user=self.request.user)

    @extend_schema(
        request=FollowCreateSerializer,
        responses={201: FollowSerializer, 200: FollowSerializer, **ERRORS, **NOT_FOUND_OPEN},
        summary="Follow a shop (200 with the same row when you already do)",
    )
    def post(self, request):
        body = FollowCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            vendor = selectors.vendor_get_for_follow(vendor_id=body.validated_data["shop_id"])
        except Http404:
            raise NotFound("No open shop has this id.") from None
        row, created = shop_follow_add(user=request.user, vendor=vendor)
        row = selectors.follow_list_for_user(user=request.user).get(pk=row.pk)
        return Response(FollowSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FollowDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None, **ERRORS, **NOT_FOUND}, summary="Stop following a shop")
    def delete(self, request, shop_id: int):
        if not shop_follow_remove(user=request.user, vendor_id=shop_id):
            raise NotFound("You don't follow this shop.")
        return Response(status=status.HTTP_204_NO_CONTENT)
