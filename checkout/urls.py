from django.urls import path

from . import views

app_name = "checkout"
urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add", views.cart_add_view, name="add"),
    path("items/<int:item_id>", views.cart_item_update, name="item"),
]
