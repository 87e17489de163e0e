"""Download my data and delete my account: the services both the person's pages and staff's admin call."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from marketplace.emails import email_enqueue, render_email
from marketplace.personal_data import ErasureRefused, erasure_refusals, personal_data_erase, personal_data_export

from .models import User

__all__ = ["ErasureRefused", "account_erase", "account_export_json", "erasure_refusals"]


def account_export_json(*, user: User) -> str:
    """The person's data as the JSON document they download (the API returns the same dict)."""
    return json.dumps(personal_data_export(user=user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def account_erase(*, user: User, keep_reviews: bool) -> None:
    """Erase ``user``'s account (see ``marketplace.personal_data``) and, after commit, email the address it
    had to confirm it: once, since a second erasure is refused. ``ErasureRefused`` says what to do first.

    Caller has confirmed it is the person's wish (password or typed confirmation) or a staff decision.
    """
    email, name = user.email, user.get_short_name()
    with transaction.atomic():
        personal_data_erase(user=user, keep_reviews=keep_reviews)
        subject, text, html = render_email(
            "accounts/email/account_deleted", {"name": name, "keep_reviews": keep_reviews}
        )
        email_enqueue(to=[email], subject=subject, text=text, html=html)
