"""The home page's new arrivals: newest first, visible only, and cheap on every visit after the first."""

import pytest

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from marketplace.cache_versions import catalogue_changed

pytestmark = pytest.mark.django_db


def _titles(client) -> list[str]:
    return [p.title for p in client.get("/").context["new_arrivals"]]


def test_newest_first_and_twelve_at_most(client):
    made = [ProductFactory(title=f"Bowl {i}") for i in range(14)]
    assert _titles(client) == [p.title for p in reversed(made)][:12]


@pytest.mark.usefixtures("no_page_cache")
def test_a_repeat_visit_loads_only_the_cards(client, django_assert_num_queries):
    ProductFactory.create_batch(3)
    client.get("/")
    # The cards (with shop and photo) in one statement, and the top categories; the list of
    # which products are newest comes from the cache.
    with django_assert_num_queries(2):
        client.get("/")


@pytest.mark.usefixtures("no_page_cache")
def test_a_product_hidden_since_the_list_was_cached_is_not_shown(client):
    ProductFactory(title="Kept jug")
    hidden = ProductFactory(title="Hidden jug")
    assert _titles(client) == ["Hidden jug", "Kept jug"]
    Product.objects.filter(pk=hidden.pk).update(hidden_by_staff=True)  # even with no version bump
    assert _titles(client) == ["Kept jug"]


def test_a_new_listing_shows_once_the_catalogue_changes(client):
    ProductFactory(title="Old plate")
    assert _titles(client) == ["Old plate"]
    ProductFactory(title="New plate")
    catalogue_changed()  # what every product service does on commit
    assert _titles(client) == ["New plate", "Old plate"]
