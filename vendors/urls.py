from django.urls import path

from . import views

app_name = "vendors"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/settings/", views.shop_settings, name="settings"),
    path("dashboard/settings/<str:kind>", views.shop_image, name="image"),
    # A shop's public page, /shops/<slug>/, lists the catalogue: catalog/urls.py mounts it.
]
