from django.urls import path

from . import dashboard_views as views
from . import image_views

app_name = "catalog_dashboard"
urlpatterns = [
    path("", views.product_list, name="products"),
    path("bulk-status", views.product_bulk_status, name="bulk_status"),
    path("new/", views.product_new, name="new"),
    path("<int:product_id>/", views.product_edit, name="edit"),
    path("<int:product_id>/images/", image_views.image_upload, name="image_upload"),
    path("<int:product_id>/images/order", image_views.image_reorder, name="image_reorder"),
    path("<int:product_id>/images/<int:image_id>", image_views.image_update, name="image_update"),
]
