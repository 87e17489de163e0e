"""API tests sign in as an integrator does: a real personal token in the ``Authorization`` header, never
``force_authenticate`` (which skips the authentication classes, so a broken token check would pass)."""

from marketplace.accounts.services import api_token_create


def token_header(user) -> dict:
    """``{"Authorization": "Token mkt_…"}`` for a token of ``user`` (for Django's test client ``headers=``).

    One token per user object: a test that signs the same actor in many times stays under the
    per-user token limit.
    """
    key = getattr(user, "_test_api_token", None)
    if key is None:
        _, key = api_token_create(user=user, name="tests")
        user._test_api_token = key
    return {"Authorization": f"Token {key}"}


def authenticate(api, user) -> None:
    """Make every later request of DRF's ``APIClient`` carry a real token of ``user``."""
    api.credentials(HTTP_AUTHORIZATION=token_header(user)["Authorization"])
