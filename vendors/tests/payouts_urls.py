"""Test URLconf: the project's URLs plus the payouts ones, mounted where the project will mount them."""

from django.urls import include, path

from marketplace.urls import handler400, handler403, handler404, handler500  # noqa: F401 - same error pages
from marketplace.urls import urlpatterns as base

urlpatterns = [
    path("shops/payouts/", include("vendors.urls_payouts")),
    path("api/", include("vendors.urls_webhooks")),
    *base,
]
