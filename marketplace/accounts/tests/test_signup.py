import re

import pytest
from django.conf import settings
from django.core import mail

from marketplace.accounts.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-pottery-wheel-47"


def _sign_up(client, django_capture_on_commit_callbacks, email="newmaker@example.com"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            "/accounts/signup/",
            {"email": email, "name": "Nia Maker", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )


def _confirmation_link(message) -> str:
    # On SITE_URL, not the request's host: links in emails come from the one setting.
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/confirm-email/[^/\s]+/)", message.body).group(1)


def test_sign_up_verify_email_then_log_in(client, django_capture_on_commit_callbacks):
    response = _sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    user = User.objects.get(email="newmaker@example.com")
    assert user.name == "Nia Maker"
    assert user.password.startswith("argon2")

    # One verification email, with a text and an HTML part.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newmaker@example.com"]
    assert [mime for _, mime in message.alternatives] == ["text/html"]
    link = _confirmation_link(message)
    assert link.split("/")[-2] in message.alternatives[0][0]  # the HTML part carries the same link

    # Before verifying, logging in leads to the "verify your email" page, not into the site.
    client.logout()
    response = client.post("/accounts/login/", {"login": "newmaker@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session

    # Confirming is a POST (a mail scanner's GET must not confirm).
    assert client.get(link).status_code == 200
    assert not user.emailaddress_set.get().verified
    client.post(link)
    assert user.emailaddress_set.get().verified

    client.logout()
    response = client.post("/accounts/login/", {"login": "NewMaker@Example.com", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_rotates_the_session_key(client, shopper, password):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/accounts/login/", {"login": shopper.email, "password": password})
    assert client.session.session_key != before
    assert int(client.session["_auth_user_id"]) == shopper.pk


def test_sign_up_refuses_a_taken_email_and_a_weak_password(client, shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {"email": "newbie@example.com", "password1": "password", "password2": "password"},
        )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(email="newbie@example.com").exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {"email": shopper.email.upper(), "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert User.objects.filter(email__iexact=shopper.email).count() == 1


def test_wrong_password_is_refused(client, shopper):
    response = client.post("/accounts/login/", {"login": shopper.email, "password": "not-it"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_an_email_with_both_parts(client, shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": shopper.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_staff_can_turn_on_totp_two_factor(client, staff, password):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    client.post("/accounts/login/", {"login": staff.email, "password": password})
    # Security settings ask for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert "/accounts/reauthenticate/" in response["Location"]
    client.post("/accounts/reauthenticate/", {"password": password})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = response.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    # From now on a password alone does not log in.
    client.logout()
    response = client.post("/accounts/login/", {"login": staff.email, "password": password})
    assert "/accounts/2fa/authenticate/" in response["Location"]
    assert "_auth_user_id" not in client.session
