from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User


class AccountError(Exception):
    """A refusal the person should see as a message."""


MAX_ACTIVE_TOKENS = 20


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret; the secret is never stored."""
    name = name.strip()
    if not name:
        raise AccountError("Give the token a name so you can recognise it later.")
    User.objects.select_for_update().get(pk=user.pk)  # serialise the count check per user
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise AccountError(f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name[:80], key_hash=ApiToken.hash_key(key), key_prefix=key[: len(ApiToken.PREFIX) + 4]
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def email_preferences_update(*, user: User, digest: bool, news: bool) -> None:
    """The optional emails ``user`` wants; transactional mail is not a preference (always sent)."""
    user.email_digest, user.email_news = digest, news
    user.save(update_fields=["email_digest", "email_news"])
