from django.db import transaction
from django.utils import timezone

from .address_rules import AddressInvalid, address_clean
from .models import Address, ApiToken, User


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


# --- Address book ------------------------------------------------------------------------

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postcode", "country")


def _address_values(fields: dict) -> dict[str, str]:
    return address_clean(**{f: fields.get(f, "") for f in ADDRESS_FIELDS})


def _label(label: str) -> str:
    label = " ".join((label or "").split())
    if len(label) > 40:
        raise AddressInvalid({"label": "Keep the label under 40 characters."})
    return label


@transaction.atomic
def address_create(*, user: User, fields: dict, label: str = "", make_default: bool = False) -> Address:
    """Add an address to ``user``'s book; their first one becomes the default. ``AddressInvalid`` if a field
    is wrong, ``AccountError`` when the book is full. An address equal to one already there is not added
    twice: that one is returned (checkout's "save to my address book" on an address that was saved)."""
    values = _address_values(fields)
    label = _label(label)
    User.objects.select_for_update().get(pk=user.pk)  # one writer per address book: count, default
    existing = Address.objects.filter(user=user, **values).first()
    if existing is not None:
        if make_default and not existing.is_default:
            _default_move(user=user, to=existing)
        return existing
    count = Address.objects.filter(user=user).count()
    if count >= Address.MAX_PER_USER:
        raise AccountError(f"Your address book is full ({Address.MAX_PER_USER}); delete one you no longer use.")
    make_default = make_default or count == 0
    if make_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    return Address.objects.create(user=user, label=label, is_default=make_default, **values)


@transaction.atomic
def address_update(*, address: Address, fields: dict, label: str = "", make_default: bool = False) -> Address:
    """Change a saved address. Orders placed with it keep their own copy and don't change."""
    values = _address_values(fields)
    label = _label(label)
    User.objects.select_for_update().get(pk=address.user_id)
    locked = Address.objects.get(pk=address.pk)
    for field, value in values.items():
        setattr(locked, field, value)
    locked.label = label
    locked.save()
    if make_default and not locked.is_default:
        _default_move(user=locked.user, to=locked)
    return locked


@transaction.atomic
def address_make_default(*, address: Address) -> Address:
    """Make ``address`` its owner's default. Two at once (two tabs) serialise on the owner's row lock,
    so exactly one default remains: the last one asked for."""
    user = User.objects.select_for_update().get(pk=address.user_id)
    locked = Address.objects.get(pk=address.pk)
    if not locked.is_default:
        _default_move(user=user, to=locked)
    return locked


def _default_move(*, user: User, to: Address) -> None:
    """Caller holds the lock on ``user``'s row, inside a transaction."""
    Address.objects.filter(user=user, is_default=True).update(is_default=False)
    Address.objects.filter(pk=to.pk).update(is_default=True)
    to.is_default = True


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Remove a saved address; if it was the default, the oldest remaining one becomes the default."""
    User.objects.select_for_update().get(pk=address.user_id)
    deleted, _ = Address.objects.filter(pk=address.pk).delete()
    if deleted and address.is_default:
        successor = Address.objects.filter(user_id=address.user_id).order_by("created_at", "id").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True)
