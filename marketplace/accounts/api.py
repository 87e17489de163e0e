from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.accounts.selectors import addresses_for_user
from marketplace.api import InputSerializer, Pages, page_parameters
from marketplace.notifications import notification_unread_count, notifications_for_user, notifications_mark_read


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()
    has_shop = serializers.BooleanField()
    shop_id = serializers.IntegerField(allow_null=True)
    email_digest = serializers.BooleanField()
    email_news = serializers.BooleanField()
    default_address_id = serializers.IntegerField(allow_null=True)
    address_count = serializers.IntegerField()
    created_at = serializers.DateTimeField(help_text="When the account was opened")


@extend_schema(responses=MeSerializer, summary="The signed-in user")
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    user = request.user
    addresses = list(addresses_for_user(user=user).values_list("pk", "is_default"))
    shop = getattr(user, "vendor", None)
    data = {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "is_staff": user.is_staff,
        "has_shop": shop is not None,
        "shop_id": shop.pk if shop is not None else None,
        "email_digest": user.email_digest,
        "email_news": user.email_news,
        "default_address_id": next((pk for pk, is_default in addresses if is_default), None),
        "address_count": len(addresses),
        "created_at": user.date_joined,
    }
    return Response(MeSerializer(data).data)


# --- Notifications -----------------------------------------------------------------------


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    url = serializers.CharField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NotificationPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    unread = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = NotificationOut(many=True)


class NotificationReadIn(InputSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError("Give the ids to mark read, or all: true.")
        return attrs


@extend_schema(
    responses=NotificationPageOut,
    parameters=page_parameters(),
    summary="Your notifications, newest first, with the unread count",
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def notification_list(request):
    paginator = Pages()
    page = paginator.paginate_queryset(notifications_for_user(user=request.user), request)
    response = paginator.get_paginated_response(NotificationOut(page, many=True).data)
    response.data["unread"] = notification_unread_count(user=request.user)
    return response


_IDS = {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 500}
# The serializer's rule (ids, or all: true), which a serializer's schema can't say: one of two shapes.
NOTIFICATION_READ_BODY = {
    "anyOf": [
        {
            "type": "object",
            "required": ["ids"],
            "properties": {"ids": {**_IDS, "minItems": 1}, "all": {"type": "boolean"}},
            "additionalProperties": False,
        },
        {
            "type": "object",
            "required": ["all"],
            "properties": {"all": {"type": "boolean", "enum": [True]}, "ids": _IDS},
            "additionalProperties": False,
        },
    ]
}


@extend_schema(
    request={"application/json": NOTIFICATION_READ_BODY},
    responses=inline_serializer(
        "NotificationsRead", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
    ),
    summary="Mark your notifications read: the given ids, or all",
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def notification_read(request):
    data = NotificationReadIn(data=request.data)
    data.is_valid(raise_exception=True)
    ids = None if data.validated_data["all"] else data.validated_data["ids"]
    marked = notifications_mark_read(user=request.user, ids=ids)
    return Response({"marked": marked, "unread": notification_unread_count(user=request.user)})
