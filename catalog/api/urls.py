from django.urls import path

from . import search, views

urlpatterns = [
    path("products", views.ProductListCreate.as_view(), name="api-products"),
    path("products/<int:product_id>", views.ProductDetail.as_view(), name="api-product"),
    path("categories", views.CategoryList.as_view(), name="api-categories"),
    path("search", search.search, name="api-search"),
]
