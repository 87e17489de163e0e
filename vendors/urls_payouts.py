"""Payouts URLs: the owner's pages, under ``shops/payouts/``. The Connect webhook is in ``urls_webhooks``.

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
