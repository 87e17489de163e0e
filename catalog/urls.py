from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_page, name="category"),
    path("p/<slug:slug>/", views.product_page, name="product"),
]
