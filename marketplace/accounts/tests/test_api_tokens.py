import re

import pytest

from marketplace.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _create_token(client, user, name="inventory script") -> str:
    client.force_login(user)
    response = client.post("/account/", {"name": name})
    assert response.status_code == 200
    return re.search(r'id="new-token">(mkt_[^<]+)<', response.content.decode()).group(1)


def test_a_token_is_shown_once_and_stored_hashed(client, shopper):
    key = _create_token(client, shopper)
    token = ApiToken.objects.get(user=shopper)
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in token.key_hash
    assert key not in client.get("/account/").content.decode()


def test_a_token_authenticates_api_calls(client, shopper):
    key = _create_token(client, shopper)
    client.logout()
    response = client.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["email"] == shopper.email
    assert ApiToken.objects.get().last_used_at is not None


def test_without_credentials_the_api_says_401_in_json(client):
    response = client.get("/api/me")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_or_revoked_token_is_refused(client, shopper):
    key = _create_token(client, shopper)
    response = client.get("/api/me", headers={"Authorization": "Bearer mkt_not-a-real-token"})
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid or revoked token."}

    token = ApiToken.objects.get()
    client.post(f"/account/tokens/{token.pk}/revoke")
    client.logout()
    response = client.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_another_users_token_cannot_be_revoked_and_is_not_confirmed(client, shopper, other_shopper):
    _create_token(client, shopper)
    token = ApiToken.objects.get()
    client.force_login(other_shopper)
    response = client.post(f"/account/tokens/{token.pk}/revoke")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_needs_post(client, shopper):
    _create_token(client, shopper)
    token = ApiToken.objects.get()
    assert client.get(f"/account/tokens/{token.pk}/revoke").status_code == 405


def test_the_account_page_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_blank_name_is_refused_with_a_message(client, shopper):
    client.force_login(shopper)
    response = client.post("/account/", {"name": "   "})
    assert "This field is required" in response.content.decode() or "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_htmx_gets_only_the_tokens_fragment(client, shopper):
    client.force_login(shopper)
    response = client.post("/account/", {"name": "cli"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="api-tokens"')
    assert "<html" not in html


def test_session_api_writes_need_csrf(shopper):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper)
    response = client.post("/account/", {"name": "x"})
    assert response.status_code == 403
