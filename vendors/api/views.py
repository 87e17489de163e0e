from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api import error_response
from marketplace.api_caching import PublicReadCaching
from vendors import selectors
from vendors.services.shops import VendorError, vendor_register, vendor_update

from .serializers import VendorOwnerSerializer, VendorPublicSerializer, VendorRegisterSerializer, VendorUpdateSerializer


def _owner_id(vendor_id: int) -> int | None:
    from vendors.models import Vendor

    return Vendor.objects.filter(pk=vendor_id).values_list("owner_id", flat=True).first()


# A refusal about the request's fields is a 400; one about the caller's state is not.
_STATUS_BY_CODE = {"email_unverified": status.HTTP_403_FORBIDDEN, "shop_exists": status.HTTP_409_CONFLICT}


def _vendor_error(exc: VendorError) -> Response:
    if exc.code in _STATUS_BY_CODE:
        return error_response(exc.code, str(exc), _STATUS_BY_CODE[exc.code])
    return error_response("invalid", str(exc), errors={exc.field or "non_field_errors": [str(exc)]})


class VendorRegister(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=VendorRegisterSerializer,
        responses={
            201: VendorOwnerSerializer,
            403: OpenApiResponse(description="Verify your email address first (`email_unverified`)"),
            409: OpenApiResponse(description="You already have a shop (`shop_exists`)"),
        },
        summary="Open a shop (it waits for staff review)",
    )
    def post(self, request):
        serializer = VendorRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            vendor = vendor_register(owner=request.user, **serializer.validated_data)
        except VendorError as exc:
            return _vendor_error(exc)
        return Response(VendorOwnerSerializer(vendor).data, status=status.HTTP_201_CREATED)


class VendorDetail(PublicReadCaching, APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=VendorPublicSerializer, summary="A shop's public profile")
    def get(self, request, vendor_id: int):
        own = request.user.is_authenticated and request.user.pk == _owner_id(vendor_id)
        if own:
            return Response(
                VendorOwnerSerializer(selectors.vendor_get_for_owner(user=request.user, vendor_id=vendor_id)).data
            )
        return Response(VendorPublicSerializer(selectors.vendor_get_public_by_id(vendor_id=vendor_id)).data)

    @extend_schema(request=VendorUpdateSerializer, responses=VendorOwnerSerializer, summary="Update your shop")
    def put(self, request, vendor_id: int):
        vendor = selectors.vendor_get_for_owner(user=request.user, vendor_id=vendor_id)
        serializer = VendorUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "country" in changes:
            changes["country"] = changes["country"].upper()
        try:
            vendor = vendor_update(vendor=vendor, **changes)
        except VendorError as exc:
            return _vendor_error(exc)
        return Response(VendorOwnerSerializer(vendor).data)
