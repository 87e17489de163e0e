from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from catalog.search import SORTS, SearchError, product_search, search_params_parse
from catalog.selectors import products_by_ids
from marketplace.api import error_response
from marketplace.api_caching import public_read_caching

from .serializers import ProductSerializer

_P = OpenApiParameter
SEARCH_PARAMETERS = [
    _P("q", OpenApiTypes.STR, description='Words as people type them: "exact phrase", -exclude, or'),
    _P("category", OpenApiTypes.STR, description="Category slug or id (includes its subcategories)"),
    _P("priceMin", OpenApiTypes.DECIMAL),
    _P("priceMax", OpenApiTypes.DECIMAL),
    _P("lat", OpenApiTypes.DOUBLE, description="With lng: search around this point"),
    _P("lng", OpenApiTypes.DOUBLE),
    _P("near", OpenApiTypes.STR, description='A town instead of lat/lng: "Bath, GB"'),
    _P("radiusKm", OpenApiTypes.DOUBLE, description="Above 0, at most 20000; default 50 with a location"),
    _P("country", OpenApiTypes.STR, description="Maker's country, ISO 3166-1 alpha-2"),
    _P("stock", OpenApiTypes.STR, enum=["in_stock", "made_to_order"]),
    _P("minRating", OpenApiTypes.DECIMAL),
    _P("freeShipping", OpenApiTypes.BOOL),
    _P("sort", OpenApiTypes.STR, enum=list(SORTS)),
    _P("page", OpenApiTypes.INT),
]

SearchResponse = inline_serializer(
    "SearchResponse",
    {
        "count": serializers.IntegerField(help_text="Matches, capped at 1000 (see countCapped)"),
        "countCapped": serializers.BooleanField(help_text="True when there are more than 1000 matches"),
        "page": serializers.IntegerField(),
        "pages": serializers.IntegerField(),
        "results": ProductSerializer(many=True),
        "facets": serializers.DictField(),
        "suggestion": serializers.CharField(help_text="A corrected query, when the words look misspelt"),
        "correctedQuery": serializers.BooleanField(help_text="True when results are for the suggestion"),
    },
)


@extend_schema(parameters=SEARCH_PARAMETERS, responses=SearchResponse, summary="Search products")
@public_read_caching
@api_view(["GET"])
@permission_classes([AllowAny])
def search(request):
    try:
        params = search_params_parse(request.query_params)
        result = product_search(params=params)
    except SearchError as exc:
        return error_response("invalid", str(exc), errors={exc.field: [str(exc)]})
    body = {
        "count": result.count,
        "countCapped": result.count_capped,
        "page": result.page,
        "pages": result.pages,
        "results": ProductSerializer(products_by_ids(result.ids, full=True), many=True).data,
        "facets": result.facets,
        "suggestion": result.suggestion,
        "correctedQuery": result.typo_fallback,
    }
    for item in body["results"]:
        distance = result.distances.get(item["id"])
        if distance is not None:
            item["distanceKm"] = round(distance, 1)
    return Response(body)
