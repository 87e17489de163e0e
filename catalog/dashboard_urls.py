from django.urls import path

from . import dashboard_views as views

app_name = "catalog_dashboard"
urlpatterns = [
    path("", views.product_list, name="products"),
    path("bulk-status", views.product_bulk_status, name="bulk_status"),
    path("new/", views.product_new, name="new"),
    path("<int:product_id>/", views.product_edit, name="edit"),
]
