"""The catalogue version is read from the cache once per request, not once per cached fragment.

Each read is a round trip to Redis; a search page read the same version five times (category
tree, ratings flag, results HTML, search ids, category names).
"""

from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from marketplace import cache_versions
from marketplace.cache_versions import CATALOGUE, catalogue_changed, catalogue_version


@pytest.fixture
def version_reads():
    with mock.patch.object(cache_versions.cache, "get_or_set", wraps=cache.get_or_set) as spy:
        yield lambda: sum(1 for c in spy.call_args_list if c.args[0] == CATALOGUE)


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


@pytest.mark.django_db
def test_a_search_page_reads_the_version_once(client, version_reads):
    response = client.get("/search", {"q": "mug", "price_max": "40"})
    assert response.status_code == 200
    assert version_reads() == 1
