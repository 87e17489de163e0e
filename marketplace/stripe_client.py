"""The one place a Stripe client is made.

``STRIPE_API_BASE`` (set only in development and tests) points stripe-python
at localstripe; with real keys it is unset and the client talks to Stripe.
"""

import stripe
from django.conf import settings

# A call made while a shopper waits (creating the payment, a refund from the dashboard) must give up
# before the web worker is ended for running too long (infra/gunicorn.conf.py, 30 s): 3 tries of 8 s
# and stripe-python's backoff between them (0.5 s, then 1 s) take at most ~25.5 s. Stripe answers in
# well under a second; a try still open after 8 s is a network fault, which a retry can cure.
TIMEOUT_SECONDS = 8
NETWORK_RETRIES = 2


def stripe_client(
    *, timeout: float = TIMEOUT_SECONDS, max_network_retries: int = NETWORK_RETRIES
) -> stripe.StripeClient:
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )
