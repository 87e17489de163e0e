"""Version numbers that cached pages include in their keys.

Bumping a version makes every cached entry built on the old one unreachable
at once (it then expires on its own), so no code has to know which keys to delete.
"""

from asgiref.local import Local
from django.core.cache import cache

CATALOGUE = "version:catalogue"

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


def catalogue_version() -> int:
    held = getattr(_request, "catalogue", None)
    if held is not None:
        return held
    version = cache.get_or_set(CATALOGUE, 1, None) or 1
    if getattr(_request, "active", False):
        _request.catalogue = version
    return version


def catalogue_changed() -> None:
    """Call after any write that can change what shoppers find: products, shops, categories."""
    _request.catalogue = None  # this request's next read sees its own write
    try:
        cache.incr(CATALOGUE)
    except ValueError:  # not set yet (or the cache was flushed)
        cache.set(CATALOGUE, 2, None)
