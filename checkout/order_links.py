"""Signed links that let a guest see their checkout again from the receipt, without an account.

The token is the checkout id signed with the project's secret (its own salt, dated):
it can't be made for another checkout, and it stops working after ``LINK_MAX_AGE``.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Checkout

LINK_MAX_AGE = timedelta(days=90)
_SALT = "checkout.order-link"


def checkout_view_url(*, checkout: Checkout, absolute: bool = True) -> str:
    token = signing.dumps(checkout.pk, salt=_SALT)
    path = reverse("checkout:view", kwargs={"token": token})
    return settings.SITE_URL + path if absolute else path


def checkout_for_token(*, token: str) -> Checkout | None:
    """The checkout a link names, or None if the link was altered, made for something else, or has expired."""
    try:
        checkout_id = signing.loads(token, salt=_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(checkout_id, int):
        return None
    return Checkout.objects.filter(pk=checkout_id).first()
