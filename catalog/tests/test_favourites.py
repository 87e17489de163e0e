"""Favourites through the pages: the heart on cards and product pages (HTMX and plain forms), the guest's
trip through sign-in, the favourites page, and the count the shop sees."""

import pytest
from django.urls import reverse

from catalog.models import Favourite, Product
from catalog.tests.factories import ProductFactory
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def fav_url(product) -> str:
    return reverse("shopper_lists:favourite", args=[product.pk])


def test_a_shopper_hearts_a_product_without_javascript_and_returns_to_the_page(client, shopper):
    mug = ProductFactory(title="Blue mug")
    client.force_login(shopper)
    response = client.post(fav_url(mug), {"action": "add", "next": "/search?q=mug"})
    assert response.status_code == 302 and response["Location"] == "/search?q=mug"
    assert Favourite.objects.filter(user=shopper, product=mug).count() == 1
    response = client.post(fav_url(mug), {"action": "add", "next": "/"})  # a double submit: still one row
    assert Favourite.objects.filter(user=shopper, product=mug).count() == 1
    client.post(fav_url(mug), {"action": "remove", "next": "/"})
    assert not Favourite.objects.filter(user=shopper).exists()


def test_next_must_be_a_path_on_this_site(client, shopper):
    mug = ProductFactory()
    client.force_login(shopper)
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(fav_url(mug), {"action": "add", "next": bad})
        assert response["Location"] == "/account/favourites/"


def test_the_htmx_toggle_answers_with_the_heart_in_its_new_state(client, shopper):
    mug = ProductFactory(title="Blue mug")
    client.force_login(shopper)
    response = client.post(fav_url(mug), {"action": "toggle", "next": "/"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'aria-pressed="true"' in html and 'value="remove"' in html and "Remove “Blue mug”" in html
    assert Favourite.objects.filter(user=shopper, product=mug).exists()
    html = client.post(fav_url(mug), {"action": "toggle", "next": "/"}, headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in html and 'value="add"' in html
    assert not Favourite.objects.filter(user=shopper).exists()


def test_cards_show_which_products_are_hearted(client, shopper):
    liked, other = ProductFactory(title="Liked mug"), ProductFactory(title="Other mug")
    Favourite.objects.create(user=shopper, product=liked)
    client.force_login(shopper)
    html = client.get("/").content.decode()
    assert 'aria-label="Remove “Liked mug” from favourites"' in html
    assert 'aria-label="Save “Other mug” to favourites"' in html
    # A plain POST form with the visitor's own CSRF token, back to this page.
    assert f'action="{fav_url(other)}"' in html and 'name="next" value="/"' in html
    storefront = client.get(liked.vendor.get_absolute_url()).content.decode()  # and on the shop's page
    assert 'aria-label="Remove “Liked mug” from favourites"' in storefront


def test_search_results_cached_for_everyone_carry_no_personal_heart(client, shopper):
    liked = ProductFactory(title="Liked mug")
    Favourite.objects.create(user=shopper, product=liked)
    client.force_login(shopper)
    html = client.get("/search", {"q": "mug"}).content.decode()
    card = html[html.index('class="card product-card"') :]
    card = card[: card.index("</article>")]
    assert 'method="get"' in card and "aria-pressed" not in card and "csrfmiddlewaretoken" not in card
    # Without JavaScript that heart leads to a confirm page with the real state and a POST form.
    confirm = client.get(fav_url(liked) + "?next=/search%3Fq%3Dmug").content.decode()
    assert "is in your favourites" in confirm and 'value="remove"' in confirm


def test_a_guest_is_sent_to_sign_in_and_the_favourite_is_made_when_they_do(client, shopper):
    mug = ProductFactory(title="Blue mug")
    response = client.post(fav_url(mug), {"action": "add", "next": "/c/mugs/?page=2"})
    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith(reverse("account_login")) and "next=/c/mugs/%3Fpage%3D2" in login
    assert not Favourite.objects.exists()
    response = client.post(login, {"login": shopper.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/c/mugs/?page=2"  # the same place
    assert Favourite.objects.filter(user=shopper, product=mug).exists()


def test_a_guests_htmx_click_redirects_the_browser_to_sign_in(client):
    mug = ProductFactory()
    response = client.post(fav_url(mug), {"action": "toggle", "next": "/shops/x/"}, headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login")) and "next=/shops/x/" in response["HX-Redirect"]


def test_a_guest_opening_the_confirm_page_signs_in_first(client):
    mug = ProductFactory()
    response = client.get(fav_url(mug) + "?next=/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_hidden_products_cannot_be_hearted_but_can_be_let_go(client, shopper):
    draft = ProductFactory(status=Product.Status.DRAFT)
    client.force_login(shopper)
    assert client.post(fav_url(draft), {"action": "add"}).status_code == 404
    assert client.get(fav_url(draft)).status_code == 404
    assert client.post(fav_url(draft), {"action": "add"}, headers=HTMX).status_code == 404
    # Hearted while it was on sale, archived since: it may still be removed.
    mug = ProductFactory()
    Favourite.objects.create(user=shopper, product=mug)
    Product.objects.filter(pk=mug.pk).update(status=Product.Status.ARCHIVED)
    assert client.post(fav_url(mug), {"action": "remove", "next": "/"}).status_code == 302
    assert not Favourite.objects.exists()


def test_nobody_sees_or_changes_another_shoppers_favourites(client, shopper, other_shopper):
    mug = ProductFactory(title="Sasha's secret mug")
    Favourite.objects.create(user=shopper, product=mug)
    client.force_login(other_shopper)
    assert "Sasha's secret mug" not in client.get("/account/favourites/").content.decode()
    client.post(fav_url(mug), {"action": "remove", "next": "/"})  # removes only their own (none)
    assert Favourite.objects.filter(user=shopper, product=mug).exists()


def test_the_favourites_page_is_paginated_and_shows_hidden_products_as_unavailable(client, shopper, vendor_a):
    products = ProductFactory.create_batch(25, vendor=vendor_a)
    for product in products:
        Favourite.objects.create(user=shopper, product=product)
    gone = ProductFactory(title="Suspended shop's vase")
    Favourite.objects.create(user=shopper, product=gone)
    gone.vendor.status = "suspended"
    gone.vendor.save()
    client.force_login(shopper)
    first = client.get("/account/favourites/")
    assert len(first.context["page"]) == 24
    html = first.content.decode()
    assert "Suspended shop&#x27;s vase" in html and "No longer available" in html
    assert gone.get_absolute_url() not in html  # no link to a page that would 404
    second = client.get("/account/favourites/?page=2")
    assert len(second.context["page"]) == 2


def test_the_favourites_page_needs_an_account(client):
    response = client.get("/account/favourites/")
    assert response.status_code == 302 and "next=/account/favourites/" in response["Location"]


def test_the_product_page_has_the_heart_and_its_shop_sees_the_count(client, shopper, other_shopper, vendor_a):
    mug = ProductFactory(vendor=vendor_a, title="Blue mug")
    Favourite.objects.create(user=shopper, product=mug)
    Favourite.objects.create(user=other_shopper, product=mug)
    client.force_login(shopper)
    html = client.get(mug.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in html and "favourited this" not in html  # shoppers don't see the count
    client.force_login(vendor_a.owner)
    html = client.get(mug.get_absolute_url()).content.decode()
    assert "2 shoppers favourited this" in html
    html = client.get("/shops/dashboard/products/").content.decode()
    assert "<td>2</td>" in html


def test_wrong_methods_are_refused(client, shopper):
    mug = ProductFactory()
    client.force_login(shopper)
    assert client.delete(fav_url(mug)).status_code == 405


def test_the_favourites_page_is_get_only(client, shopper):
    client.force_login(shopper)
    assert client.post("/account/favourites/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_double_tap_racing_itself_makes_one_row_and_no_error(shopper):
    from catalog.services.shopper_lists import favourite_add, shop_follow_add
    from marketplace.tests.concurrency import run_at_once

    mug = ProductFactory()
    outcomes = run_at_once(lambda: favourite_add(user=shopper, product=mug), times=4)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    assert len({row.pk for row, _ in outcomes}) == 1
    outcomes = run_at_once(lambda: shop_follow_add(user=shopper, vendor=mug.vendor), times=4)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(created for _, created in outcomes) == 1
