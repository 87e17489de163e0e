"""The reviews API: list and write a product's reviews, edit or delete one's own, reply as the shop,
vote helpful, report. Writes are rate-limited per person (scope ``review_writes``)."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Product
from marketplace.api import (
    AnonRateThrottle,
    ErrorSerializer,
    Pages,
    ScopedRateThrottle,
    UserRateThrottle,
    error_response,
    page_parameters,
    paginated,
)
from marketplace.api_caching import PublicReadCaching
from marketplace.client_ip import client_ip

from .. import selectors, services
from ..services import ReviewError
from .serializers import (
    HelpfulOut,
    ReplyIn,
    ReplyOut,
    ReportIn,
    ReviewCreateIn,
    ReviewCreateWithPhotosIn,
    ReviewIn,
    ReviewOut,
)

# Which refusal is which HTTP status; anything else is a 400.
STATUS_BY_CODE = {
    "not_eligible": status.HTTP_403_FORBIDDEN,
    "edit_window_closed": status.HTTP_403_FORBIDDEN,
    "not_your_shop": status.HTTP_403_FORBIDDEN,
    "own_review": status.HTTP_403_FORBIDDEN,
    "not_author": status.HTTP_404_NOT_FOUND,
    "already_reviewed": status.HTTP_409_CONFLICT,
    "already_voted": status.HTTP_409_CONFLICT,
    "already_reported": status.HTTP_409_CONFLICT,
}


def _refused(exc: ReviewError) -> Response:
    extra = {"errors": {exc.field: [str(exc)]}} if exc.field else {}
    return error_response(exc.code, str(exc), STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST), **extra)


def _errors(*codes: int, **described: str) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=described.get(f"e{code}", "")) for code in codes}


class ReviewWriteThrottle(ScopedRateThrottle):
    """Writes only (reading is under the site-wide limits), per signed-in person or client address."""

    scope_attr = "throttle_scope"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)

    def get_ident(self, request):
        return client_ip(request)


class _ReviewAPIView(APIView):
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ReviewWriteThrottle]
    throttle_scope = "review_writes"


class ProductReviews(PublicReadCaching, _ReviewAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    def _product(self, product_id: int) -> Product:
        product = Product.objects.visible().filter(pk=product_id).first()
        if product is None:
            raise Http404("No such product.")
        return product

    @extend_schema(
        parameters=[
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS), description="Default `helpful`"),
            OpenApiParameter(
                "stars", OpenApiTypes.INT, enum=[1, 2, 3, 4, 5], description="Only reviews of this rating"
            ),
            *page_parameters(),
        ],
        responses={200: paginated(ReviewOut, "PaginatedReviewList"), **_errors(404)},
        summary="A product's reviews, paginated",
    )
    def get(self, request, product_id: int):
        product = self._product(product_id)
        stars = request.query_params.get("stars", "")
        sort = request.query_params.get("sort", selectors.DEFAULT_SORT)
        if sort not in selectors.SORTS:
            return error_response(
                "invalid", "Unknown sort.", errors={"sort": [f"Use one of {', '.join(selectors.SORTS)}."]}
            )
        if stars and stars not in {"1", "2", "3", "4", "5"}:
            return error_response("invalid", "stars is 1 to 5.", errors={"stars": ["Use 1 to 5."]})
        queryset = selectors.reviews_for_product(product=product, sort=sort, stars=int(stars) if stars else None)
        paginator = Pages()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ReviewOut(page, many=True).data)

    @extend_schema(
        request={"application/json": ReviewCreateIn, "multipart/form-data": ReviewCreateWithPhotosIn},
        responses={
            201: ReviewOut,
            **_errors(
                400,
                403,
                404,
                409,
                429,
                e403="You haven't bought this item, or it hasn't shipped, or it's more than 180 days since it shipped",
                e409="You have already reviewed this item",
            ),
        },
        summary="Review an item you bought (shipped or delivered, within 180 days)",
    )
    def post(self, request, product_id: int):
        product = self._product(product_id)
        data = ReviewCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "order_item_id" in values:
            item = selectors.order_item_for_reviewer(user=request.user, item_id=values["order_item_id"])
            if item.product_id != product.pk:
                raise Http404("No such item of this product.")
        else:
            item = selectors.order_item_to_review(user=request.user, product=product)
            if item is None:
                if selectors.author_has_reviewed(user=request.user, product=product):
                    return _refused(ReviewError("You have already reviewed this item.", code="already_reviewed"))
                return _refused(ReviewError("Only buyers of a shipped item can review it.", code="not_eligible"))
        try:
            review = services.review_create(
                author=request.user,
                order_item=item,
                rating=values["rating"],
                title=values["title"],
                text=values["text"],
                photos=request.FILES.getlist("photos"),
            )
        except ReviewError as exc:
            return _refused(exc)
        return Response(ReviewOut(review).data, status=status.HTTP_201_CREATED)


class ReviewDetail(_ReviewAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReviewIn, responses={200: ReviewOut, **_errors(400, 403, 404, 429)},
                   summary="Change your review (within 30 days of writing it)")  # fmt: skip
    def put(self, request, review_id: int):
        review = selectors.review_for_author(user=request.user, review_id=review_id)
        data = ReviewIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            review = services.review_edit(review=review, by=request.user, **data.validated_data)
        except ReviewError as exc:
            return _refused(exc)
        return Response(ReviewOut(review).data)

    @extend_schema(responses={204: None, **_errors(404, 429)}, summary="Delete your review")
    def delete(self, request, review_id: int):
        review = selectors.review_for_author(user=request.user, review_id=review_id)
        try:
            services.review_delete(review=review, by=request.user)
        except ReviewError as exc:
            return _refused(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewReply(_ReviewAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReplyIn, responses={200: ReplyOut, **_errors(400, 403, 404, 429)},
                   summary="Reply to a review of your shop's product (again to edit the reply)")  # fmt: skip
    def post(self, request, review_id: int):
        review = selectors.review_public(review_id=review_id)
        data = ReplyIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reply = services.shop_reply_save(review=review, by=request.user, text=data.validated_data["text"])
        except ReviewError as exc:
            return _refused(exc)
        return Response(ReplyOut(reply).data)


class ReviewHelpful(_ReviewAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: HelpfulOut, **_errors(403, 404, 409, 429)},
                   summary="Mark a review helpful (once; not your own)")  # fmt: skip
    def post(self, request, review_id: int):
        review = selectors.review_public(review_id=review_id)
        try:
            review = services.review_vote_helpful(review=review, user=request.user)
        except ReviewError as exc:
            return _refused(exc)
        return Response(HelpfulOut(review).data)


class ReviewReportView(_ReviewAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReportIn, responses={201: None, **_errors(400, 404, 409, 429)},
                   summary="Report a review to the moderators")  # fmt: skip
    def post(self, request, review_id: int):
        review = selectors.review_public(review_id=review_id)
        data = ReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.review_report(review=review, reporter=request.user, **data.validated_data)
        except ReviewError as exc:
            return _refused(exc)
        return Response(status=status.HTTP_201_CREATED)
