"""The payments webhook, mounted by the project under ``api/`` (Stripe's endpoint setting names this path)."""

from django.urls import path

from .webhooks import payments_webhook

urlpatterns = [
    path("payments/webhook", payments_webhook, name="payments-webhook"),
]
