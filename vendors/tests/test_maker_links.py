"""A way in for makers: the header and the account page link to opening a shop, or to the shop's dashboard."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _header(html: str) -> str:
    return re.search(r'<header class="site-header".*?</header>', html, re.S).group(0)


def test_a_shopper_without_a_shop_is_offered_one(client, shopper):
    client.force_login(shopper)
    for url in ("/", "/account/"):
        html = client.get(url).content.decode()
        assert '<a href="/shops/register/">Open a shop</a>' in _header(html)
        assert "Shop dashboard" not in html
    account = client.get("/account/").content.decode()
    assert account.count('href="/shops/register/"') == 2  # header and the account page itself


def test_a_maker_is_sent_to_the_shop_dashboard(client, vendor_a):
    client.force_login(vendor_a.owner)
    for url in ("/", "/account/"):
        html = client.get(url).content.decode()
        assert '<a href="/shops/dashboard/">Shop dashboard</a>' in _header(html)
        assert "/shops/register/" not in html
    account = client.get("/account/").content.decode()
    assert account.count('href="/shops/dashboard/"') == 2
    assert client.get("/shops/dashboard/").status_code == 200


def test_a_visitor_finds_how_to_sell_in_the_footer(client):
    html = client.get("/").content.decode()
    assert "Shop dashboard" not in html
    assert 'href="/shops/register/"' in html.split('<footer class="site-footer"', 1)[1]
    # Following it asks the visitor to log in first, then comes back.
    response = client.get("/shops/register/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/shops/register/"
