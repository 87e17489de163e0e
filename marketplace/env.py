"""Strict readers for settings that come from the environment.

Every reader names the variable in its error, so a typo in a deployment stops
start-up with a message that says what to fix instead of running with a
silently wrong value. ``NAME_FILE`` (a path) may stand in for ``NAME`` so
secrets can be mounted as files.
"""

import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_PATH_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def _raw(name: str, environ=None) -> str | None:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    file_path = environ.get(f"{name}_FILE")
    if value is not None and file_path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc.strerror}") from exc
    if value is not None and value.strip() == "":
        return None
    if value is not None and value.lstrip().lower().startswith("@microsoft.keyvault("):
        # App Service hands the reference text through when it cannot read the secret.
        raise ImproperlyConfigured(
            f"{name} is an unresolved Key Vault reference: check that the secret exists and the app's "
            "identity may read it (App Service > Environment variables shows the reference's status)."
        )
    return value


def env_str(name: str, default: str | None = None, *, environ=None) -> str | None:
    value = _raw(name, environ)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool = False, *, environ=None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None, environ=None) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}.")
    return number


def env_decimal(
    name: str, default: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None, environ=None
) -> Decimal:
    value = _raw(name, environ)
    text = default if value is None else value.strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={text!r} is not a decimal number.") from None
    if not number.is_finite():
        raise ImproperlyConfigured(f"{name}={text!r} is not a finite number.")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}.")
    return number


def env_list(name: str, default: list[str] | None = None, *, environ=None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str, *, environ=None) -> str:
    value = env_str(name, default, environ=environ)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value


def env_url_path(name: str, default: str, *, reserved: tuple[str, ...] = (), environ=None) -> str:
    """A path prefix the site mounts something under, given as ``staff`` or ``ops/control``: ``"ops/control/"``.

    Lower-case letters, digits, ``-`` and ``_`` in each segment; a slash at either end is optional. The
    first segment may not be one of ``reserved`` (prefixes the site already serves), so a typo can't
    shadow the shop pages or the API.
    """
    value = env_str(name, default, environ=environ)
    segments = value.strip("/").split("/")
    if not value.strip("/") or not all(_PATH_SEGMENT.fullmatch(segment) for segment in segments):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a URL path; use lower-case letters, digits, - and _ in segments split by /."
        )
    if segments[0] in reserved:
        raise ImproperlyConfigured(f"{name}={value!r} would hide the site's own /{segments[0]}/ pages.")
    return "/".join(segments) + "/"
