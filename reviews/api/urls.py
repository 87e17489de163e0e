from django.urls import path

from . import views

urlpatterns = [
    path("products/<int:product_id>/reviews", views.ProductReviews.as_view(), name="api-product-reviews"),
    path("reviews/<int:review_id>", views.ReviewDetail.as_view(), name="api-review"),
    path("reviews/<int:review_id>/reply", views.ReviewReply.as_view(), name="api-review-reply"),
    path("reviews/<int:review_id>/helpful", views.ReviewHelpful.as_view(), name="api-review-helpful"),
    path("reviews/<int:review_id>/report", views.ReviewReportView.as_view(), name="api-review-report"),
]
