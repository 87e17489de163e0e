"""The catalogue version is read from the cache once per request, not once per cached fragment.

Each read is a round trip to Redis; a search page read the same version five times (category
tree, ratings flag, results HTML, search ids, category names).
"""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from marketplace import cache_versions
from marketplace.cache_versions import CATALOGUE, catalogue_cached, catalogue_changed, catalogue_version

# request_started/finished also run Django's close_old_connections, which touches the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def version_reads():
    """Reads of the version: on its own, or with other keys (a cached guest page reads it with the page)."""
    with (
        mock.patch.object(cache_versions.cache, "get_or_set", wraps=cache.get_or_set) as alone,
        mock.patch.object(cache_versions.cache, "get_many", wraps=cache.get_many) as with_others,
    ):
        yield (
            lambda: (
                sum(1 for c in alone.call_args_list if c.args[0] == CATALOGUE)
                + sum(1 for c in with_others.call_args_list if CATALOGUE in c.args[0])
            )
        )


@pytest.fixture(autouse=True)
def _fresh_version():
    cache.set(CATALOGUE, 4, None)
    yield
    request_finished.send(sender=None)  # never leave a test's request open for the next


def test_inside_a_request_the_version_is_read_once(version_reads):
    request_started.send(sender=None)
    assert [catalogue_version() for _ in range(5)] == [4] * 5
    assert version_reads() == 1


def test_a_write_inside_the_request_is_seen_by_the_rest_of_it():
    request_started.send(sender=None)
    assert catalogue_version() == 4
    catalogue_changed()
    assert catalogue_version() == 5


def test_the_next_request_reads_the_version_afresh():
    request_started.send(sender=None)
    assert catalogue_version() == 4
    request_finished.send(sender=None)
    cache.set(CATALOGUE, 9, None)  # another process's write, between the two requests
    request_started.send(sender=None)
    assert catalogue_version() == 9


def test_outside_a_request_every_call_reads_the_cache(version_reads):
    # Celery tasks and management commands: a long-lived process must never hold an old version.
    assert catalogue_version() == 4
    cache.set(CATALOGUE, 6, None)
    assert catalogue_version() == 6
    assert version_reads() == 2


@pytest.mark.parametrize("page_seconds", [60, 0], ids=["guest page cache", "page cache off"])
def test_a_search_page_reads_the_version_once(client, version_reads, settings, page_seconds):
    settings.GUEST_PAGE_CACHE_SECONDS = page_seconds
    response = client.get("/search", {"q": "mug", "price_max": "40"})
    assert response.status_code == 200
    assert version_reads() == 1


def test_a_flushed_cache_starts_a_version_never_used_before():
    # After a Redis flush (or the key's eviction) the version must not restart at one: entries
    # built under an old "1" (in Redis or in a process) would be served again.
    old = catalogue_version()
    cache.clear()
    assert catalogue_version() not in (old, 1)
    cache.clear()
    catalogue_changed()  # a bump finding no version starts a fresh one too
    assert catalogue_version() not in (old, 1)


def test_small_catalogue_values_are_held_in_the_process_per_version():
    built = []

    def build():
        built.append(1)
        return {"built": len(built)}

    request_started.send(sender=None)
    first = catalogue_cached("test-menu", build)
    assert catalogue_cached("test-menu", build) is first  # no cache read, no unpickling
    request_finished.send(sender=None)
    catalogue_changed()
    assert catalogue_cached("test-menu", build) == {"built": 2}
    assert len(built) == 2


def test_a_value_held_by_one_process_is_shared_through_the_cache_with_the_others():
    catalogue_cached("test-flag", lambda: False)  # falsy values are held too
    cache_versions._held.clear()  # as if another process asked
    assert catalogue_cached("test-flag", lambda: True) is False


def test_a_value_not_kept_yet_costs_two_round_trips_and_a_kept_one_one():
    """get_or_set reads a key back after adding it: three round trips on every first read. Under a
    version, two processes computing at once compute the same thing, so the value computed is used."""
    from marketplace.cache_versions import cached_or_computed

    with (
        mock.patch.object(cache_versions.cache, "get", wraps=cache.get) as gets,
        mock.patch.object(cache_versions.cache, "add", wraps=cache.add) as adds,
        mock.patch.object(cache_versions.cache, "get_or_set", wraps=cache.get_or_set) as get_or_sets,
    ):
        assert cached_or_computed("test-ids:4", lambda: [3, 2, 1], 60) == [3, 2, 1]
        assert (gets.call_count, adds.call_count) == (1, 1)
        assert cached_or_computed("test-ids:4", lambda: ["not", "again"], 60) == [3, 2, 1]
        assert (gets.call_count, adds.call_count) == (2, 1)
        assert cached_or_computed("test-empty:4", lambda: [], 60) == [] and cache.get("test-empty:4") == []
        assert cached_or_computed("test-empty:4", lambda: ["not", "again"], 60) == []  # falsy values are kept too
        cache_versions._held.clear()
        catalogue_cached("test-menu-2", lambda: {"a": 1})
        assert [c.args[0] for c in get_or_sets.call_args_list] == [CATALOGUE]  # the version itself, only
