from django.urls import path

from . import message_views, views

app_name = "orders"
urlpatterns = [
    path("", views.my_orders, name="list"),
    path("<str:number>/", views.my_order, name="mine"),
    path("<str:number>/messages", message_views.my_order_message, name="messages"),
    path("<str:number>/cancel", views.my_order_cancel, name="cancel"),
]
