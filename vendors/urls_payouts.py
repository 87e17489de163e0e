"""Payouts URLs.

``urlpatterns`` (the owner's pages) go under ``shops/payouts/``;
``webhook_urlpatterns`` is the Connect webhook, mounted on its own path:

    path("shops/payouts/", include("vendors.urls_payouts")),
    path("api/payments/connect-webhook", include(webhook_urlpatterns)),

No ``app_name``: the names are global (``reverse("payouts_return")``).
"""

from django.urls import path

from . import views_payouts

urlpatterns = [
    path("start/", views_payouts.payouts_start, name="payouts_start"),
    path("return/", views_payouts.payouts_return, name="payouts_return"),
    path("refresh/", views_payouts.payouts_refresh, name="payouts_refresh"),
    path("dashboard/", views_payouts.payouts_dashboard, name="payouts_dashboard"),
    path("simulated/", views_payouts.payouts_simulated, name="payouts_simulated"),
]

webhook_urlpatterns = [
    path("", views_payouts.connect_webhook, name="connect_webhook"),
]
