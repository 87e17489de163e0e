"""Cards drawn once per catalogue version (catalog/cards.py), with each page's own heart ``next``."""

import pytest
from django.test.utils import CaptureQueriesContext

from catalog.cards import cards_for
from catalog.services.products import product_update
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _card_loads(queries) -> int:
    return sum("catalog_productimage i" in q["sql"] for q in queries.captured_queries)


def test_a_card_is_loaded_and_drawn_once_then_read_from_the_cache(db):
    from django.db import connection

    mug, jug = ProductFactory(title="Blue mug"), ProductFactory(title="Tall jug")
    with CaptureQueriesContext(connection) as first:
        cards = cards_for([mug.pk, jug.pk], next_path="/search?q=mug")
    assert _card_loads(first) == 1 and cards.count == 2
    assert cards.html.index("Blue mug") < cards.html.index("Tall jug")
    with CaptureQueriesContext(connection) as again:
        other_page = cards_for([jug.pk, mug.pk], next_path="/c/jugs/?sort=price_asc&page=2")
    assert _card_loads(again) == 0
    assert other_page.html.index("Tall jug") < other_page.html.index("Blue mug")
    # Each page's own "next" for the heart, escaped; no trace of another page's or the placeholder.
    assert 'name="next" value="/c/jugs/?sort=price_asc&amp;page=2"' in other_page.html
    assert "/search?q=mug" not in other_page.html and "__card-next-path__" not in other_page.html


def test_only_the_missing_cards_are_loaded(db):
    from django.db import connection

    mug, jug = ProductFactory(title="Blue mug"), ProductFactory(title="Tall jug")
    cards_for([mug.pk], next_path="/")
    with CaptureQueriesContext(connection) as queries:
        cards = cards_for([mug.pk, jug.pk], next_path="/")
    loads = [q["sql"] for q in queries.captured_queries if "catalog_productimage i" in q["sql"]]
    assert len(loads) == 1 and cards.count == 2


def test_an_edit_draws_the_card_anew(django_capture_on_commit_callbacks):
    mug = ProductFactory(title="Blue mug")
    assert "Blue mug" in cards_for([mug.pk], next_path="/").html
    with django_capture_on_commit_callbacks(execute=True):
        product_update(product=mug, title="Blue mug, glazed")
    assert "Blue mug, glazed" in cards_for([mug.pk], next_path="/").html


def test_markers_one_per_shop_with_a_location(db):
    first = ProductFactory(title="Blue mug")
    second = ProductFactory(title="Green mug", vendor=first.vendor)
    unlocated = ProductFactory(title="Red mug", vendor__latitude=None, vendor__longitude=None)
    cards = cards_for([first.pk, second.pk, unlocated.pk], next_path="/")
    assert [m["url"] for m in cards.markers] == [first.vendor.get_absolute_url()]
