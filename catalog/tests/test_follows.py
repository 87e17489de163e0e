"""Following a shop: the storefront's button (HTMX and plain form), the home page's "new from shops you
follow", the following page, and the weekly digest choice."""

import pytest
from django.urls import reverse

from catalog.models import FollowDigestSubscription, Product, ShopFollow
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def follow_url(vendor) -> str:
    return reverse("shopper_lists:follow", args=[vendor.pk])


def test_follow_and_unfollow_without_javascript(client, shopper, vendor_a):
    client.force_login(shopper)
    page = vendor_a.get_absolute_url()
    assert "Follow this shop" in client.get(page).content.decode()
    response = client.post(follow_url(vendor_a), {"action": "follow", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    client.post(follow_url(vendor_a), {"action": "follow", "next": page})  # twice: one row
    assert ShopFollow.objects.filter(user=shopper, vendor=vendor_a).count() == 1
    assert "Following ✓" in client.get(page).content.decode()
    client.post(follow_url(vendor_a), {"action": "unfollow", "next": page})
    assert not ShopFollow.objects.exists()


def test_the_htmx_button_swaps_to_its_new_state(client, shopper, vendor_a):
    client.force_login(shopper)
    html = client.post(follow_url(vendor_a), {"action": "follow", "next": "/"}, headers=HTMX).content.decode()
    assert "<html" not in html and 'aria-pressed="true"' in html and 'value="unfollow"' in html
    html = client.post(follow_url(vendor_a), {"action": "unfollow", "next": "/"}, headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in html and 'value="follow"' in html


def test_a_guest_is_sent_to_sign_in_and_back_to_the_shop(client, vendor_a):
    page = vendor_a.get_absolute_url()
    response = client.post(follow_url(vendor_a), {"action": "follow", "next": page})
    assert response.status_code == 302 and f"next={page}" in response["Location"]
    response = client.post(follow_url(vendor_a), {"action": "follow", "next": page}, headers=HTMX)
    assert response.status_code == 204 and reverse("account_login") in response["HX-Redirect"]
    assert not ShopFollow.objects.exists()
    assert client.get(follow_url(vendor_a)).status_code == 405


def test_a_hidden_shop_cannot_be_followed(client, shopper, vendor_a):
    vendor_a.status = "suspended"
    vendor_a.save()
    client.force_login(shopper)
    assert client.post(follow_url(vendor_a), {"action": "follow"}).status_code == 404


def test_nobody_sees_or_changes_another_shoppers_follows(client, shopper, other_shopper, vendor_a):
    ShopFollow.objects.create(user=shopper, vendor=vendor_a)
    client.force_login(other_shopper)
    assert "Kiln &amp; Co" not in client.get("/account/following/").content.decode()
    client.post(follow_url(vendor_a), {"action": "unfollow", "next": "/"})
    assert ShopFollow.objects.filter(user=shopper).exists()


def test_the_home_page_shows_new_work_from_followed_shops_in_bounded_queries(
    client, shopper, vendor_a, vendor_b, django_assert_max_num_queries
):
    from vendors.tests.factories import VendorFactory

    shops = [vendor_a, vendor_b, *VendorFactory.create_batch(4)]
    for shop in shops:
        ShopFollow.objects.create(user=shopper, vendor=shop)
        ProductFactory.create_batch(3, vendor=shop, title=f"New at {shop.name}")
    ProductFactory(vendor=vendor_a, status=Product.Status.DRAFT, title="Secret draft")
    ProductFactory(title="Unfollowed shop's pot")
    client.force_login(shopper)
    client.get("/")  # warm the session and caches
    with django_assert_max_num_queries(12):  # the same with 6 shops as with 1: no query per shop
        response = client.get("/")
    followed = response.context["from_followed"]
    assert len(followed) == 8  # bounded
    assert all(p.vendor_id in {s.pk for s in shops} for p in followed)
    html = response.content.decode()
    section = html[html.index("New from shops you follow") : html.index("New arrivals")]
    assert "Secret draft" not in section and "Unfollowed shop" not in section


def test_guests_and_non_followers_get_no_followed_section(client, shopper):
    ProductFactory()
    assert "New from shops you follow" not in client.get("/").content.decode()
    client.force_login(shopper)
    assert "New from shops you follow" not in client.get("/").content.decode()


def test_the_following_page_turns_the_weekly_digest_on_and_off(client, shopper, vendor_a):
    ShopFollow.objects.create(user=shopper, vendor=vendor_a)
    client.force_login(shopper)
    html = client.get("/account/following/").content.decode()
    assert "Kiln &amp; Co" in html and "checked" not in html  # opt-in: off until chosen
    client.post("/account/following/", {"digest": "on"})
    assert FollowDigestSubscription.objects.filter(user=shopper).exists()
    client.post("/account/following/", {"digest": "on"})  # twice: still one
    client.post("/account/following/", {})
    assert not FollowDigestSubscription.objects.exists()
    assert client.get("/account/following/").status_code == 200
    client.logout()
    assert client.get("/account/following/").status_code == 302
