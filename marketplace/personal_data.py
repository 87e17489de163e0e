"""A person's data across the apps: export it (GDPR access) and erase it (GDPR erasure).

The core imports no app, so each app contributes through a module of its own, ``<app>.personal_data``,
found here by name for every installed app (the project's accounts contribute the same way). A
contribution defines:

- ``export(user) -> dict``: JSON-serialisable sections, named after what they hold (``"orders"``);
- ``erase(user, *, keep_reviews: bool) -> None``: remove or anonymise what the app holds about ``user``;
- optionally ``refuse_erasure(user) -> str | None``: why the account can't be erased yet (an open shop,
  orders not yet shipped), in words the person can act on.

Erasure runs every contribution in one transaction, in the reverse order of ``INSTALLED_APPS``: the apps
that depend on others first, the account itself (``marketplace.accounts``) last, so every app can still
find what belongs to the user while it works.
"""

import importlib
from datetime import UTC
from functools import cache
from types import ModuleType

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

FORMAT_VERSION = 1


def timestamp(value) -> str | None:
    """Times in exports as in the API: ISO-8601 in UTC, ``2026-11-29T10:00:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ErasureRefused(Exception):
    """The account can't be erased yet; ``reasons`` say what to do first."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@cache
def contributions() -> tuple[ModuleType, ...]:
    """Each installed app's ``personal_data`` module, in ``INSTALLED_APPS`` order (looked up once)."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.personal_data"
        if name == __name__:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but something it imports doesn't: a real error
                raise
            continue
        found.append(module)
    return tuple(found)


def personal_data_export(*, user) -> dict:
    """Everything the site holds about ``user``, one section per kind of data."""
    data = {"format_version": FORMAT_VERSION, "exported_at": timestamp(timezone.now())}
    for module in contributions():
        for section, value in module.export(user).items():
            if section in data:
                raise ValueError(f"{module.__name__} exports a section that is already there: {section}")
            data[section] = value
    return data


def erasure_refusals(*, user) -> list[str]:
    """What stops ``user``'s account being erased now (empty when nothing does)."""
    if getattr(user, "erased_at", None):
        return ["This account has already been deleted."]
    reasons = []
    for module in contributions():
        refuse = getattr(module, "refuse_erasure", None)
        reason = refuse(user) if refuse else None
        if reason:
            reasons.append(reason)
    return reasons


def personal_data_erase(*, user, keep_reviews: bool) -> None:
    """Erase ``user``'s personal data in every app, in one transaction; ``ErasureRefused`` if anything
    stops it (checked again under the user's row lock, so two requests can't erase twice)."""
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        reasons = erasure_refusals(user=locked)
        if reasons:
            raise ErasureRefused(reasons)
        for module in reversed(contributions()):
            module.erase(locked, keep_reviews=keep_reviews)
    user.refresh_from_db()
