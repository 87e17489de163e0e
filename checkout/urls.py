from django.urls import path

from . import checkout_views, receipt_views, views

app_name = "checkout"
urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add", views.cart_add_view, name="add"),
    path("items/<int:item_id>", views.cart_item_update, name="item"),
    path("checkout/", checkout_views.checkout_start, name="start"),
    path("checkout/<int:checkout_id>/pay", checkout_views.checkout_pay, name="pay"),
    path("checkout/<int:checkout_id>/confirm", checkout_views.checkout_confirm, name="confirm"),
    path("checkout/<int:checkout_id>/done", checkout_views.checkout_done, name="done"),
    path("orders/<str:token>/", receipt_views.checkout_view_signed, name="view"),
    path("orders/<str:token>/<str:number>/", receipt_views.checkout_order_signed, name="view_order"),
    path("orders/<str:token>/<str:number>/messages", receipt_views.checkout_order_signed_message, name="order_message"),
]
