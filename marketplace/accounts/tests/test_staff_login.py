"""Staff sign in to the dashboard (/staff/) through allauth: its rate limits, its two-factor step.

Codes are computed here from the TOTP secret (RFC 6238: HMAC-SHA1 over the
30-second counter, dynamic truncation, 6 digits), independently of allauth.
"""

import base64
import hashlib
import hmac
import struct
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str, *, at: float | None = None) -> str:
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def test_the_code_helper_matches_the_rfc_6238_test_vector():
    # RFC 6238 appendix B, SHA-1, T=59s: 94287082 (8 digits) -> last six digits.
    rfc_secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_code(rfc_secret, at=59) == "287082"


@pytest.fixture
def staff_with_totp(staff):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, SECRET)
    return staff


def _sign_in_form(client) -> str:
    """Where the staff sign-in page's form posts to, reached the way a person does: from /staff/."""
    response = client.get("/staff/", follow=True)
    final = response.request
    return final["PATH_INFO"] + ("?" + final["QUERY_STRING"] if final.get("QUERY_STRING") else "")


def _post_password(client, url: str, email: str, password: str):
    # "username" is the field of Django's admin form, "login" allauth's: the same post fits either page.
    return client.post(url, {"username": email, "login": email, "password": password})


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_dashboard_sends_staff_to_the_sites_sign_in_page(client):
    response = client.get("/staff/login/?next=/staff/")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/accounts/login/"
    assert "next=" in target.query


def test_the_old_admin_login_form_no_longer_signs_anyone_in(client, staff, password):
    response = client.post("/staff/login/", {"username": staff.email, "password": password})
    assert not _signed_in(client)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"


def test_staff_with_totp_must_pass_the_code_step_to_reach_the_dashboard(client, staff_with_totp, password):
    url = _sign_in_form(client)
    response = _post_password(client, url, staff_with_totp.email, password)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/2fa/authenticate/"
    # The password alone opened nothing.
    assert not _signed_in(client)
    assert client.get("/staff/").status_code == 302

    wrong = client.post(
        "/accounts/2fa/authenticate/", {"code": "000000" if totp_code(SECRET) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert not _signed_in(client)

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert _signed_in(client)
    dashboard = client.get("/staff/")
    assert dashboard.status_code == 200
    assert "platform dashboard" in dashboard.content.decode()


def test_thirty_wrong_passwords_get_throttled(client, staff, password):
    url = _sign_in_form(client)
    answers = [_post_password(client, url, staff.email, f"wrong-guess-{n}") for n in range(30)]
    throttled = [r for r in answers if r.status_code == 429 or b"Too many failed login attempts" in r.content]
    assert len(throttled) >= 20
    # While throttled, even the right password is refused.
    response = _post_password(client, url, staff.email, password)
    assert not _signed_in(client)
    assert response.status_code == 429 or b"Too many failed login attempts" in response.content


def test_guessing_the_code_is_throttled_too(client, staff_with_totp, password):
    url = _sign_in_form(client)
    _post_password(client, url, staff_with_totp.email, password)
    good = totp_code(SECRET)
    guesses = [f"{(int(good) + n) % 1_000_000:06d}" for n in range(1, 11)]
    answers = [client.post("/accounts/2fa/authenticate/", {"code": code}) for code in guesses]
    assert b"Too many failed login attempts" in answers[-1].content
    client.post("/accounts/2fa/authenticate/", {"code": good})
    assert not _signed_in(client)


def test_wrong_passwords_across_many_emails_are_throttled_per_ip(client, staff):
    url = _sign_in_form(client)
    answers = [_post_password(client, url, f"guess{n}@example.com", "wrong-guess") for n in range(15)]
    assert any(r.status_code == 429 or b"Too many" in r.content for r in answers)


class TestProductionRequiresTwoFactorForStaff:
    @pytest.fixture(autouse=True)
    def _production_rule(self, settings):
        settings.STAFF_REQUIRE_MFA = True

    def test_staff_without_two_factor_are_sent_to_set_it_up(self, client, staff):
        client.force_login(staff)
        response = client.get("/staff/vendors/vendor/")
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == "/accounts/2fa/totp/activate/"

    def test_staff_sign_in_set_up_totp_and_then_get_in(self, client, staff, password):
        url = _sign_in_form(client)
        response = _post_password(client, url, staff.email, password)
        assert response["Location"] == "/staff/"
        response = client.get("/staff/")
        assert urlsplit(response["Location"]).path == "/accounts/2fa/totp/activate/"
        # allauth asks for the password again before adding an authenticator.
        confirm = client.get("/accounts/2fa/totp/activate/")
        assert urlsplit(confirm["Location"]).path == "/accounts/reauthenticate/"
        response = client.post(confirm["Location"], {"password": password})
        assert response["Location"] == "/accounts/2fa/totp/activate/"
        setup = client.get("/accounts/2fa/totp/activate/")
        assert setup.status_code == 200
        secret = setup.context["form"].secret
        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
        assert response.status_code == 302
        assert client.get("/staff/").status_code == 200

    def test_staff_who_signed_in_with_their_code_get_in(self, client, staff_with_totp, password):
        url = _sign_in_form(client)
        _post_password(client, url, staff_with_totp.email, password)
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
        assert client.get("/staff/").status_code == 200

    def test_staff_can_still_sign_out(self, client, staff):
        client.force_login(staff)
        client.post("/staff/logout/")
        assert not _signed_in(client)

    def test_shoppers_are_not_affected(self, client, shopper):
        client.force_login(shopper)
        assert client.get("/account/").status_code == 200


def test_without_the_production_rule_staff_without_two_factor_get_in(client, staff, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(staff)
    assert client.get("/staff/").status_code == 200


def test_production_turns_the_rule_on_and_it_cannot_be_turned_off():
    from marketplace.tests.test_env import _django_start, production_env

    show = "import django; django.setup(); from django.conf import settings; print(settings.STAFF_REQUIRE_MFA)"
    result = _django_start(
        production_env("postgresql://nobody@127.0.0.1:1/none") | {"STAFF_REQUIRE_MFA": "0"}, "-c", show
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_first_staff_account_from_createsuperuser_confirms_its_email_then_sets_up_totp(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The deployment guide's path: ``createsuperuser`` makes no allauth email record."""
    import re

    from marketplace.accounts.models import User

    settings.STAFF_REQUIRE_MFA = True
    admin_user = User.objects.create_superuser(email="ops@example.com", password="a-long-ops-passphrase-42")
    url = _sign_in_form(client)
    with django_capture_on_commit_callbacks(execute=True):
        _post_password(client, url, admin_user.email, "a-long-ops-passphrase-42")
    assert not _signed_in(client)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", mailoutbox[-1].body).group(1)
    client.post(link)
    assert _signed_in(client)
    response = client.get("/staff/")
    assert urlsplit(response["Location"]).path == "/accounts/2fa/totp/activate/"
