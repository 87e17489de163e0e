"""``manage.py bench_pages`` runs each kind of request through the whole stack and reports them all."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.services.search_index import search_words_refresh
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_times_every_kind_against_the_floor(redis_cache, vendor_a):
    ProductFactory.create_batch(30, vendor=vendor_a, title="Speckled mug", tags=["stoneware"])
    ProductFactory(vendor=vendor_a, title="Commissioned bowl", made_to_order=True, stock_quantity=0)
    search_words_refresh()
    out = StringIO()
    call_command("bench_pages", requests=5, stdout=out)
    medians = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(medians) == {
        "guest page from the cache (floor)",
        "same, guest with a cart",
        "product page, first visit",
        "product page drawn, fragments cached",
        "search nobody asked before",
        "add to cart",
        "checkout's first page",
    }
    assert all(value > 0 for value in medians.values())
