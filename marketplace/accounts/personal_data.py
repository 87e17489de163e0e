"""The account's own contribution to ``marketplace.personal_data``: profile, sign-in addresses, two-factor,
address book, API tokens and notifications. Erased last, so the other apps still find the user.

The account row itself stays (orders, reviews and audit rows point at it) but holds nothing personal:
the email becomes ``erased-<id>@erased.invalid``, which frees the real address so the person can sign up
again. No hash of the old address is kept: an email hash is reversible by guessing (it is still personal
data), and nothing here needs to recognise the person later; order numbers identify the shops' records.
The Stripe Customer (name, email, saved cards) is deleted after commit by a task. Sessions end twice
over: the password becomes unusable (the session's auth hash no longer matches) and the account inactive
(no backend returns it).
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone

from marketplace.models import Notification
from marketplace.personal_data import timestamp
from marketplace.tasks import stripe_customer_delete

from .models import Address, ApiToken, User


def erased_email(user: User) -> str:
    return f"erased-{user.pk}@erased.invalid"


def export(user: User) -> dict:
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "joined_at": timestamp(user.date_joined),
            "last_login_at": timestamp(user.last_login),
            "email_digest": user.email_digest,
            "email_news": user.email_news,
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "two_factor_methods": sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)),
        },
        "addresses": [
            {
                "id": a.pk,
                "label": a.label,
                **a.as_fields(),
                "is_default": a.is_default,
                "created_at": timestamp(a.created_at),
                "updated_at": timestamp(a.updated_at),
            }
            for a in Address.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "key_prefix": t.key_prefix,
                "created_at": timestamp(t.created_at),
                "last_used_at": timestamp(t.last_used_at),
                "revoked_at": timestamp(t.revoked_at),
            }
            for t in ApiToken.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "text": n.text,
                "url": n.url,
                "read_at": timestamp(n.read_at),
                "created_at": timestamp(n.created_at),
            }
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
    }


def erase(user: User, *, keep_reviews: bool) -> None:
    """Caller (``personal_data_erase``) holds the user's row lock, inside the erasure's transaction."""
    Address.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()  # a deleted token authenticates nobody
    Notification.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if user.stripe_customer_id:
        customer_id = user.stripe_customer_id
        transaction.on_commit(lambda: stripe_customer_delete.delay(customer_id), robust=True)
    user.email = erased_email(user)
    user.name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.email_digest = user.email_news = False
    user.stripe_customer_id = ""
    user.last_login = None
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
