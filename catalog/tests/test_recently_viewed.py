"""Recently viewed products: per account (rows) or per guest (a signed cookie), last 20, newest first."""

import re

import pytest

from catalog import recently_viewed
from catalog.models import Product, RecentlyViewed
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def strip(client) -> list[str]:
    """The titles in the home page's "Recently viewed" strip (a guest's is put into the cached page)."""
    html = client.get("/").content.decode()
    if "Recently viewed" not in html:
        return []
    section = html[html.index("Recently viewed") :]
    return re.findall(r'<h3 class="card-title">([^<]*)</h3>', section[: section.index("</section>")])


def test_a_shoppers_views_are_kept_newest_first_and_a_second_view_moves_to_the_front(client, shopper):
    a, b, c = (ProductFactory(title=t) for t in ("A", "B", "C"))
    client.force_login(shopper)
    for product in (a, b, c, a):
        client.get(product.get_absolute_url())
    assert strip(client) == ["A", "C", "B"]
    assert RecentlyViewed.objects.filter(user=shopper).count() == 3


def test_only_the_last_20_are_kept(client, shopper, vendor_a):
    products = ProductFactory.create_batch(22, vendor=vendor_a)
    client.force_login(shopper)
    for product in products:
        client.get(product.get_absolute_url())
    assert RecentlyViewed.objects.filter(user=shopper).count() == 20
    assert strip(client) == [p.title for p in reversed(products)][:20]


def test_hidden_products_drop_out(client, shopper):
    a, b = ProductFactory(title="A"), ProductFactory(title="B")
    client.force_login(shopper)
    client.get(a.get_absolute_url())
    client.get(b.get_absolute_url())
    Product.objects.filter(pk=b.pk).update(status=Product.Status.ARCHIVED)
    assert strip(client) == ["A"]


def test_a_guest_has_their_own_list_and_it_joins_the_account_at_sign_in(client, shopper):
    a, b, c = (ProductFactory(title=t) for t in ("A", "B", "C"))
    for product in (a, b, c, b):
        client.get(product.get_absolute_url())
    assert strip(client) == ["B", "C", "A"]
    other = client.__class__()
    assert strip(other) == []  # per browser
    client.post("/accounts/login/", {"login": shopper.email, "password": PASSWORD})
    assert strip(client) == ["B", "C", "A"]
    assert RecentlyViewed.objects.filter(user=shopper).count() == 3
    client.get(a.get_absolute_url())  # the guest cookie is dropped once merged
    assert client.cookies[recently_viewed.COOKIE].value == ""


def test_a_tampered_guest_cookie_is_ignored(client):
    a = ProductFactory(title="A")
    client.cookies[recently_viewed.COOKIE] = f"{a.pk}:forged"
    assert strip(client) == []


def test_people_never_see_each_others_views(client, shopper, other_shopper):
    a = ProductFactory(title="A")
    client.force_login(shopper)
    client.get(a.get_absolute_url())
    client.force_login(other_shopper)
    assert strip(client) == []
