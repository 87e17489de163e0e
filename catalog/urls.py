from django.urls import path

from . import search_views, views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", search_views.search, name="search"),
    path("c/<slug:slug>/", search_views.category_page, name="category"),
    path("p/<slug:slug>/", views.product_page, name="product"),
    # Included after the shops' own pages (marketplace/urls.py), so /shops/register/ stays theirs.
    path("shops/<slug:slug>/", views.storefront, name="storefront"),
]
