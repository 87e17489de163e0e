"""The catalogue's contribution to a person's data export and account deletion, called directly."""

import json

import pytest

from catalog import personal_data
from catalog.models import Favourite, FollowDigestSend, FollowDigestSubscription, RecentlyViewed, ShopFollow
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(shopper, other_shopper, vendor_a):
    from django.utils import timezone

    mug = ProductFactory(vendor=vendor_a, title="Blue mug")
    for user in (shopper, other_shopper):
        Favourite.objects.create(user=user, product=mug)
        ShopFollow.objects.create(user=user, vendor=vendor_a)
        RecentlyViewed.objects.create(user=user, product=mug, viewed_at=timezone.now())
        FollowDigestSubscription.objects.create(user=user)
        FollowDigestSend.objects.create(user=user, week="2026-W48", product_count=1)
    return mug


def test_export_has_the_three_sections_as_json(shopper, vendor_a, lists):
    data = personal_data.export(shopper)
    json.dumps(data)  # serialisable as it is
    assert [f["product_id"] for f in data["favourites"]] == [lists.pk]
    assert data["favourites"][0]["product_title"] == "Blue mug"
    assert data["favourites"][0]["created_at"].endswith("Z")
    assert data["follows"] == [
        {"shop_id": vendor_a.pk, "shop_name": "Kiln & Co", "created_at": data["follows"][0]["created_at"]}
    ]
    assert [v["product_id"] for v in data["recently_viewed"]] == [lists.pk]
    assert data["follow_digest"]["subscribed"] is True and data["follow_digest"]["weeks_sent"] == ["2026-W48"]


def test_export_of_someone_with_nothing(other_shopper):
    data = personal_data.export(other_shopper)
    assert data["favourites"] == data["follows"] == data["recently_viewed"] == []
    assert data["follow_digest"] == {"subscribed": False, "subscribed_at": None, "weeks_sent": []}


@pytest.mark.parametrize("keep_reviews", [True, False])
def test_erase_deletes_only_that_persons_rows(shopper, other_shopper, lists, keep_reviews):
    personal_data.erase(shopper, keep_reviews=keep_reviews)
    for model in (Favourite, ShopFollow, RecentlyViewed, FollowDigestSubscription, FollowDigestSend):
        assert not model.objects.filter(user=shopper).exists(), model
        assert model.objects.filter(user=other_shopper).exists(), model
    assert personal_data.export(shopper)["favourites"] == []
    lists.refresh_from_db()  # the product itself is the shop's, untouched
