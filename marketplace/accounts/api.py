from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()
    has_shop = serializers.BooleanField()


@extend_schema(responses=MeSerializer, summary="The signed-in user")
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    user = request.user
    data = {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "is_staff": user.is_staff,
        "has_shop": hasattr(user, "vendor"),
    }
    return Response(MeSerializer(data).data)
