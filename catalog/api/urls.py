from django.urls import path

from . import search, shopper_lists, views

urlpatterns = [
    path("products", views.ProductListCreate.as_view(), name="api-products"),
    path("products/<int:product_id>", views.ProductDetail.as_view(), name="api-product"),
    path("categories", views.CategoryList.as_view(), name="api-categories"),
    path("search", search.search, name="api-search"),
    path("favourites", shopper_lists.Favourites.as_view(), name="api-favourites"),
    path("favourites/<int:product_id>", shopper_lists.FavouriteDetail.as_view(), name="api-favourite"),
    path("follows", shopper_lists.Follows.as_view(), name="api-follows"),
    path("follows/<int:shop_id>", shopper_lists.FollowDetail.as_view(), name="api-follow"),
]
