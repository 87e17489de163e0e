"""Version numbers that cached pages include in their keys.

Bumping a version makes every cached entry built on the old one unreachable
at once (it then expires on its own), so no code has to know which keys to delete.
"""

import time

from asgiref.local import Local
from django.core.cache import cache

CATALOGUE = "version:catalogue"
# Bumped whenever any product's reviews change (beside that product's own counter, which keys its
# cached reviews section): a whole cached product page (marketplace.page_cache) carries it.
REVIEWS_ANY = "version:reviews"

# Within one request the version is read from the cache once: every cached fragment of a page
# (a search page has five) keys on it, and each read was a round trip to Redis. Held only
# between request_started and request_finished (marketplace/apps.py), so a Celery task or a
# command always reads it afresh. A bump by another process mid-request shows from the next.
_request = Local()


def request_began(**kwargs) -> None:
    _request.active = True
    _request.catalogue = None


def request_ended(**kwargs) -> None:
    _request.active = False
    _request.catalogue = None


def _fresh_version() -> int:
    """A version no earlier cache could have used (microseconds since the epoch): after a flush
    or an eviction, entries built under an old number are never reached again."""
    return time.time_ns() // 1000


def catalogue_version() -> int:
    held = getattr(_request, "catalogue", None)
    if held is not None:
        return held
    version = cache.get_or_set(CATALOGUE, _fresh_version, None) or _fresh_version()
    if getattr(_request, "active", False):
        _request.catalogue = version
    return version


def catalogue_version_seen(version: int) -> None:
    """``version`` was just read with other keys (marketplace.page_cache): this request keeps it."""
    if getattr(_request, "active", False) and getattr(_request, "catalogue", None) is None:
        _request.catalogue = version


def catalogue_changed() -> None:
    """Call after any write that can change what shoppers find: products, shops, categories."""
    _request.catalogue = None  # this request's next read sees its own write
    try:
        cache.incr(CATALOGUE)
    except ValueError:  # not set yet (or the cache was flushed)
        cache.set(CATALOGUE, _fresh_version(), None)


_NOT_KEPT = object()


def cached_or_computed(key: str, compute, timeout: int):
    """``compute()``, kept under ``key``: one round trip when kept, two when not (a read, then an add).
    Django's get_or_set reads the key back after adding it, a third. For keys that carry their version,
    where two processes computing at once compute the same value, so the one computed here is used."""
    value = cache.get(key, _NOT_KEPT)
    if value is _NOT_KEPT:
        value = compute()
        cache.add(key, value, timeout)
    return value


# name -> (catalogue version, value), for this process.
_held: dict[str, tuple[int, object]] = {}


def catalogue_cached(name: str, compute, timeout: int = 3600):
    """``compute()``, cached under the catalogue version in the shared cache and in this process.

    For the small values every catalogue page needs (category menus and names, the ratings
    flag): after its first read a process answers from memory, with no Redis round trip and
    no unpickling (the category tree cost ~1.5 ms CPU a page). The value is shared between
    requests and threads: callers must not modify it.
    """
    version = catalogue_version()
    held = _held.get(name)
    if held is not None and held[0] == version:
        return held[1]
    value = cached_or_computed(f"{name}:{version}", compute, timeout)
    _held[name] = (version, value)
    return value
