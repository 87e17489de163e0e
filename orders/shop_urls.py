from django.urls import path

from . import message_views, shop_tools, views

app_name = "orders_shop"
urlpatterns = [
    path("", views.shop_inbox, name="inbox"),
    path("export/", shop_tools.orders_export, name="export"),
    path("payouts/", views.shop_payouts, name="payouts"),
    path("<str:number>/", views.shop_order, name="order"),
    path("<str:number>/status", views.shop_order_status, name="status"),
    path("<str:number>/messages", message_views.shop_order_message, name="messages"),
    path("<str:number>/packing-slip", shop_tools.packing_slip, name="packing_slip"),
    path("<str:number>/refund", views.shop_order_refund, name="refund"),
]
