from django.urls import path

from . import views

urlpatterns = [
    path("cart", views.cart, name="api-cart"),
    path("cart/items", views.cart_items, name="api-cart-items"),
    path("cart/items/<int:item_id>", views.cart_item, name="api-cart-item"),
    path("orders", views.place_orders, name="api-orders"),
    path("orders/<int:order_id>", views.order_detail, name="api-order"),
    path("payments/create-intent", views.create_intent, name="api-create-intent"),
]
