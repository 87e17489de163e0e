from django.urls import path

from . import views

urlpatterns = [
    path("vendors/register", views.VendorRegister.as_view(), name="api-vendor-register"),
    path("vendors/<int:vendor_id>", views.VendorDetail.as_view(), name="api-vendor"),
]
