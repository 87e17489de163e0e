"""The search page offers only options that can work: rating filter and sort appear once a product is rated."""

from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from marketplace.cache_versions import catalogue_changed

pytestmark = pytest.mark.django_db

RATING_FILTER = 'name="min_rating"'
RATING_SORT = '<option value="rating"'


@pytest.fixture
def mugs(vendor_a):
    category = CategoryFactory(name="Mugs", slug="mugs")
    return [ProductFactory(vendor=vendor_a, category=category, title=f"Mug {i}") for i in range(2)]


def test_no_rating_options_while_nothing_is_rated(client, mugs):
    for url in ("/search", "/search?q=mug", "/c/mugs/"):
        html = client.get(url).content.decode()
        assert "Mug 0" in html
        assert RATING_FILTER not in html and RATING_SORT not in html and "Highest rated" not in html


def test_rating_options_appear_once_a_visible_product_is_rated(client, mugs, vendor_b):
    client.get("/search")  # the "nothing rated" answer is now cached
    hidden = ProductFactory(vendor=vendor_b, status=Product.Status.DRAFT)
    Product.objects.filter(pk=hidden.pk).update(rating_avg=Decimal("5.00"), rating_count=3)
    catalogue_changed()
    assert RATING_FILTER not in client.get("/search").content.decode()  # a draft's rating doesn't count

    Product.objects.filter(pk=mugs[0].pk).update(rating_avg=Decimal("4.50"), rating_count=2)
    catalogue_changed()  # what the reviews app calls after writing a rating
    for url in ("/search", "/c/mugs/"):
        html = client.get(url).content.decode()
        assert RATING_FILTER in html and "4★ and up" in html
        assert RATING_SORT in html and "Highest rated" in html


def test_a_link_that_already_asks_for_ratings_keeps_its_choice_visible(client, mugs):
    html = client.get("/search?min_rating=4&sort=rating").content.decode()
    assert '<option value="4" selected>4★ and up</option>' in html
    assert '<option value="rating" selected>Highest rated</option>' in html
