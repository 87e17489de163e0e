from dataclasses import replace

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from catalog.search import SORTS, SearchError, SearchPageMissing, product_search, search_params_parse
from catalog.selectors import products_by_ids
from marketplace.api import Pages, error_response, page_parameters
from marketplace.api_caching import public_read_caching

from .serializers import ProductSerializer

_P = OpenApiParameter
SEARCH_PARAMETERS = [
    _P("q", OpenApiTypes.STR, description='Words as people type them: "exact phrase", -exclude, or'),
    _P("category", OpenApiTypes.STR, description="Category slug or id (includes its subcategories)"),
    _P("price_min", OpenApiTypes.DECIMAL),
    _P("price_max", OpenApiTypes.DECIMAL),
    _P("lat", OpenApiTypes.DOUBLE, description="With lng: search around this point"),
    _P("lng", OpenApiTypes.DOUBLE),
    _P("near", OpenApiTypes.STR, description='A town instead of lat/lng: "Bath, GB"'),
    _P("radius_km", OpenApiTypes.DOUBLE, description="Above 0, at most 20000; default 50 with a location"),
    _P("country", OpenApiTypes.STR, description="Maker's country, ISO 3166-1 alpha-2"),
    _P("stock", OpenApiTypes.STR, enum=["in_stock", "made_to_order"]),
    _P("min_rating", OpenApiTypes.DECIMAL),
    _P("free_shipping", OpenApiTypes.BOOL),
    _P("sort", OpenApiTypes.STR, enum=list(SORTS)),
    *page_parameters(),
]


class SearchHit(ProductSerializer):
    distance_km = serializers.FloatField(required=False, help_text="With a location: how far away, in km")

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "distance_km"]
        read_only_fields = fields


SearchResponse = inline_serializer(
    "SearchResponse",
    {
        "count": serializers.IntegerField(help_text="Matches, capped at 1000 (see count_capped)"),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": SearchHit(many=True),
        "count_capped": serializers.BooleanField(help_text="True when there are more than 1000 matches"),
        "facets": serializers.DictField(),
        "suggestion": serializers.CharField(help_text="A corrected query, when the words look misspelt"),
        "corrected_query": serializers.BooleanField(help_text="True when results are for the suggestion"),
    },
)


@extend_schema(parameters=SEARCH_PARAMETERS, responses=SearchResponse, summary="Search products")
@public_read_caching
@api_view(["GET"])
@permission_classes([AllowAny])
def search(request):
    """The one list here not paginated by ``Pages`` itself: search pages in SQL, with the same parameters."""
    page_size = Pages.size_from(request)
    try:
        params = replace(search_params_parse(request.query_params), page_size=page_size)
        result = product_search(params=params)
    except SearchPageMissing as exc:
        return error_response("not_found", str(exc), status.HTTP_404_NOT_FOUND)
    except SearchError as exc:
        return error_response("invalid", str(exc), errors={exc.field: [str(exc)]})
    following, previous = Pages.links(request, number=result.page, pages=result.pages)
    body = {
        "count": result.count,
        "next": following,
        "previous": previous,
        "results": ProductSerializer(products_by_ids(result.ids, full=True), many=True).data,
        "count_capped": result.count_capped,
        "facets": result.facets,
        "suggestion": result.suggestion,
        "corrected_query": result.typo_fallback,
    }
    for item in body["results"]:
        distance = result.distances.get(item["id"])
        if distance is not None:
            item["distance_km"] = round(distance, 1)
    return Response(body)
