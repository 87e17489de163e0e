from django.urls import path

from . import views

app_name = "orders_shop"
urlpatterns = [
    path("", views.shop_inbox, name="inbox"),
    path("payouts/", views.shop_payouts, name="payouts"),
    path("<str:number>/", views.shop_order, name="order"),
    path("<str:number>/status", views.shop_order_status, name="status"),
    path("<str:number>/refund", views.shop_order_refund, name="refund"),
]
