"""``/api/addresses``, ``/api/me/export``: the address book and the data download, on the same services
and selectors as the pages. Another person's address is 404, like one that doesn't exist."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.api import ErrorSerializer, InputSerializer, Pages, error_response, page_parameters, paginated
from marketplace.personal_data import personal_data_export

from .address_rules import AddressInvalid
from .selectors import address_for_user, addresses_for_user
from .services import AccountError, address_create, address_delete, address_update


def _errors(*codes: int) -> dict:
    described = {
        400: "Invalid fields (errors name them), or the address book is full (code address_book_full)",
        401: "Not signed in",
        404: "No such address of yours",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}


class AddressIn(InputSerializer):
    label = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=150)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120)
    postcode = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="Required where the country has them"
    )
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    is_default = serializers.BooleanField(required=False, default=False)


class AddressOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    postcode = serializers.CharField()
    country = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _validated(request) -> dict:
    data = AddressIn(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _write(request, write, **kwargs):
    values = _validated(request)
    label, make_default = values.pop("label"), values.pop("is_default")
    try:
        return write(fields=values, label=label, make_default=make_default, **kwargs), None
    except AddressInvalid as exc:
        raise ValidationError({field: [message] for field, message in exc.errors.items()}) from None
    except AccountError as exc:
        return None, error_response("address_book_full", str(exc))


@extend_schema(
    methods=["GET"],
    responses={200: paginated(AddressOut, "AddressPage"), **_errors(401)},
    operation_id="addresses_list",
    parameters=page_parameters(),
    summary="Your saved addresses, the default first",
)
@extend_schema(
    methods=["POST"],
    request=AddressIn,
    responses={201: AddressOut, **_errors(400, 401)},
    summary="Save an address (the first becomes the default); postcodes are checked per country",
)
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
def address_list(request):
    if request.method == "GET":
        paginator = Pages()
        page = paginator.paginate_queryset(addresses_for_user(user=request.user), request)
        return paginator.get_paginated_response(AddressOut(page, many=True).data)
    address, refusal = _write(request, address_create, user=request.user)
    if refusal is not None:
        return refusal
    return Response(AddressOut(address).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses={200: AddressOut, **_errors(401, 404)}, summary="One saved address")
@extend_schema(
    methods=["PUT"],
    request=AddressIn,
    responses={200: AddressOut, **_errors(400, 401, 404)},
    summary="Change a saved address (orders already placed keep theirs); is_default true makes it the default",
)
@extend_schema(
    methods=["DELETE"],
    responses={204: None, **_errors(401, 404)},
    summary="Delete a saved address; if it was the default, the oldest remaining one becomes the default",
)
@api_view(["GET", "PUT", "DELETE"])
@permission_classes([IsAuthenticated])
def address_detail(request, address_id: int):
    address = address_for_user(user=request.user, address_id=address_id)
    if request.method == "GET":
        return Response(AddressOut(address).data)
    if request.method == "DELETE":
        address_delete(address=address)
        return Response(status=status.HTTP_204_NO_CONTENT)
    address, refusal = _write(request, address_update, address=address)
    if refusal is not None:
        return refusal
    address.refresh_from_db()
    return Response(AddressOut(address).data)


@extend_schema(
    responses={200: OpenApiTypes.OBJECT, **_errors(401)},
    summary="Everything we hold about you: the same JSON as the download on /account/privacy/",
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me_export(request):
    response = Response(personal_data_export(user=request.user))
    response["Cache-Control"] = "private, no-store"
    return response
