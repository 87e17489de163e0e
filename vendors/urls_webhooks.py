"""The Connect webhook, mounted by the project under ``api/`` (Stripe's endpoint setting names this path)."""

from django.urls import path

from .views_payouts import connect_webhook

urlpatterns = [
    path("payments/connect-webhook", connect_webhook, name="connect_webhook"),
]
