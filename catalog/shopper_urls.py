from django.urls import path

from . import shopper_views

app_name = "shopper_lists"
urlpatterns = [
    path("favourites/", shopper_views.favourite_list, name="favourites"),
    path("favourites/<int:product_id>/", shopper_views.favourite, name="favourite"),
    path("following/", shopper_views.follow_list, name="following"),
    path("following/<int:shop_id>/", shopper_views.follow, name="follow"),
    path("following/unsubscribe/<str:token>/", shopper_views.digest_unsubscribe, name="digest_unsubscribe"),
]
