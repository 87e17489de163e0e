from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("write/<int:item_id>/", views.review_write, name="write"),
    path("<int:review_id>/edit/", views.review_change, name="edit"),
    path("<int:review_id>/delete/", views.review_remove, name="delete"),
    path("<int:review_id>/helpful/", views.helpful, name="helpful"),
    path("<int:review_id>/report/", views.report, name="report"),
    path("<int:review_id>/reply/", views.reply, name="reply"),
    path("product/<int:product_id>/", views.product_reviews, name="product"),
    path("shop/", views.shop_reviews, name="shop"),
]
