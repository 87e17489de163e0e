from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.models import Category, Product
from catalog.services.products import ProductError, product_create, product_delete, product_update
from marketplace.api import error_response
from marketplace.api_caching import PublicReadCaching
from vendors.models import Vendor

from .serializers import CategorySerializer, ProductSerializer, ProductWriteSerializer

# The services name model fields; the API's errors name the request's own fields.
_API_FIELD = {"category": "category_id"}


def _product_error(exc: ProductError) -> Response:
    field = _API_FIELD.get(exc.field, exc.field) if exc.field else "non_field_errors"
    errors = {field: [str(exc)]}
    return error_response("invalid", str(exc), errors=errors)


class ProductListCreate(PublicReadCaching, generics.ListAPIView):
    serializer_class = ProductSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "vendor", {"type": "integer", "minimum": 1}, description="Only this shop's products (its id)"
            ),
            OpenApiParameter("category", OpenApiTypes.STR, description="Category slug or id (includes descendants)"),
        ],
        summary="Products on sale (active products of visible shops)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Product]:
        qs = selectors.product_list_visible()
        vendor = self.request.query_params.get("vendor")
        if vendor:
            if not vendor.isdigit():
                raise ValidationError({"vendor": ["A shop's id: a whole number."]})
            qs = qs.filter(vendor_id=vendor)
        category = self.request.query_params.get("category")
        if category:
            found = Category.objects.filter(**({"pk": category} if category.isdigit() else {"slug": category})).first()
            qs = qs.filter(category_id__in=selectors.category_descendant_ids(category=found)) if found else qs.none()
        return qs

    @extend_schema(request=ProductWriteSerializer, responses={201: ProductSerializer}, summary="List a new product")
    def post(self, request):
        vendor = Vendor.objects.filter(owner=request.user).first()
        if vendor is None:
            raise PermissionDenied("Open a shop before listing products.", code="no_shop")
        serializer = ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            product = product_create(vendor=vendor, **serializer.validated_data)
        except ProductError as exc:
            return _product_error(exc)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetail(PublicReadCaching, APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = ProductSerializer

    @extend_schema(responses=ProductSerializer, summary="A product (on sale, or your own in any status)")
    def get(self, request, product_id: int):
        product = selectors.product_get_readable(user=request.user, product_id=product_id)
        return Response(ProductSerializer(product).data)

    def _write(self, request, product_id: int, *, partial: bool):
        product = selectors.product_get_for_owner(user=request.user, product_id=product_id)
        serializer = ProductWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            product = product_update(product=product, **serializer.validated_data)
        except ProductError as exc:
            return _product_error(exc)
        product = selectors.product_get_readable(user=request.user, product_id=product.pk)
        return Response(ProductSerializer(product).data)

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer, summary="Replace your product")
    def put(self, request, product_id: int):
        return self._write(request, product_id, partial=False)

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer, summary="Change your product")
    def patch(self, request, product_id: int):
        return self._write(request, product_id, partial=True)

    @extend_schema(
        responses={204: None, 200: OpenApiTypes.OBJECT},
        summary="Delete your product (archived instead when orders refer to it)",
    )
    def delete(self, request, product_id: int):
        product = selectors.product_get_for_owner(user=request.user, product_id=product_id)
        outcome = product_delete(product=product)
        if outcome == "archived":
            return Response({"status": "archived"}, status=status.HTTP_200_OK)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryList(PublicReadCaching, generics.ListAPIView):
    """Paginated like every list (a client walks ``next``; the whole tree fits in one page of 100 today)."""

    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    queryset = Category.objects.order_by("parent_id", "position", "name")
