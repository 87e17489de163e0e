from django.urls import path

from . import api_addresses

urlpatterns = [
    path("addresses", api_addresses.address_list, name="api-addresses"),
    path("addresses/<int:address_id>", api_addresses.address_detail, name="api-address"),
    path("me/export", api_addresses.me_export, name="api-me-export"),
]
