"""Version numbers that cached pages include in their keys.

Bumping a version makes every cached entry built on the old one unreachable
at once (it then expires on its own), so no code has to know which keys to delete.
"""

from django.core.cache import cache

CATALOGUE = "version:catalogue"


def catalogue_version() -> int:
    return cache.get_or_set(CATALOGUE, 1, None) or 1


def catalogue_changed() -> None:
    """Call after any write that can change what shoppers find: products, shops, categories."""
    try:
        cache.incr(CATALOGUE)
    except ValueError:  # not set yet (or the cache was flushed)
        cache.set(CATALOGUE, 2, None)
