from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.my_orders, name="list"),
    path("<str:number>/", views.my_order, name="mine"),
    path("<str:number>/cancel", views.my_order_cancel, name="cancel"),
]
