"""The one place a Stripe client is made.

``STRIPE_API_BASE`` (set only in development and tests) points stripe-python
at localstripe; with real keys it is unset and the client talks to Stripe.
"""

import stripe
from django.conf import settings


def stripe_client(*, timeout: float = 30, max_network_retries: int = 2) -> stripe.StripeClient:
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )
