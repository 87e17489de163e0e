"""A shop's public page (storefront) and the product counts on the shop dashboard: catalogue reads
shown on the shops' pages."""

import pytest

from catalog.models import Product
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_storefront_sorts_by_price_and_keeps_the_sort_across_pages(client, vendor_a):
    for price in ("30.00", "10.00", "20.00"):
        ProductFactory(vendor=vendor_a, price=price, title=f"Bowl {price}")
    html = client.get(f"{vendor_a.get_absolute_url()}?sort=price_asc").content.decode()
    assert html.index("Bowl 10.00") < html.index("Bowl 20.00") < html.index("Bowl 30.00")
    html = client.get(f"{vendor_a.get_absolute_url()}?sort=bogus").content.decode()
    assert html.index("Bowl 20.00") < html.index("Bowl 10.00")  # falls back to newest


def test_storefront_paginates_24_per_page(client, vendor_a):
    ProductFactory.create_batch(25, vendor=vendor_a)
    response = client.get(f"{vendor_a.get_absolute_url()}?sort=price_desc")
    assert len(response.context["page"]) == 24
    assert "sort=price_desc&amp;page=2" in response.content.decode()


def test_storefront_of_a_hidden_shop_is_404_and_shop_urls_stay_the_shops(client, vendor_a):
    vendor_a.status = "suspended"
    vendor_a.save()
    assert client.get(vendor_a.get_absolute_url()).status_code == 404
    # /shops/<slug>/ is mounted after the shops' own pages, which it must not shadow.
    assert client.get("/shops/register/").status_code == 302  # to the login page, not a storefront 404


def test_dashboard_counts_the_shops_products_by_status(client, vendor_a, vendor_b):
    ProductFactory.create_batch(2, vendor=vendor_a)
    ProductFactory(vendor=vendor_a, status=Product.Status.DRAFT)
    ProductFactory(vendor=vendor_b, status=Product.Status.ARCHIVED)  # another shop's: not counted
    client.force_login(vendor_a.owner)
    html = client.get("/shops/dashboard/").content.decode()
    assert "2 active · 1 draft · 0 archived" in html


def test_a_repeat_visit_loads_the_shop_and_its_cards_only(client, vendor_a, django_assert_num_queries):
    ProductFactory.create_batch(30, vendor=vendor_a)
    client.get(vendor_a.get_absolute_url())
    # The shop, one page of cards and the shop's rating summary; the ordered ids come from the cache.
    with django_assert_num_queries(3):
        response = client.get(f"{vendor_a.get_absolute_url()}?page=2")
    assert len(response.context["page"]) == 6
    assert response.context["page"].paginator.count == 30


@pytest.mark.usefixtures("no_page_cache")
def test_a_product_hidden_since_the_page_was_cached_is_not_shown(client, vendor_a):
    ProductFactory(vendor=vendor_a, title="Kept cup")
    hidden = ProductFactory(vendor=vendor_a, title="Hidden cup")
    assert "Hidden cup" in client.get(vendor_a.get_absolute_url()).content.decode()
    Product.objects.filter(pk=hidden.pk).update(hidden_by_staff=True)  # even with no version bump
    html = client.get(vendor_a.get_absolute_url()).content.decode()
    assert "Hidden cup" not in html and "Kept cup" in html
