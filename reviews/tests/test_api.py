"""The reviews API: every endpoint, its refusals as {code, detail, errors?}, and the write rate limit."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Product
from marketplace.tests.api_tokens import authenticate
from reviews.models import Review
from reviews.services import review_create

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user:
        authenticate(client, user)
    return client


def _post_review(user, product, **body):
    return client_for(user).post(f"/api/products/{product.pk}/reviews", {"rating": 4, **body}, format="json")


def test_a_buyer_posts_a_review_and_lists_it(shopper, product):
    response = _post_review(shopper, product, title="Nice", text="Holds tea")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rating"], body["title"], body["author_name"], body["verified_purchase"]) == (
        4,
        "Nice",
        "Sasha S.",
        True,
    )
    listing = client_for().get(f"/api/products/{product.pk}/reviews").json()
    assert listing["count"] == 1
    assert listing["results"][0]["id"] == body["id"]
    assert listing["results"][0]["reply"] is None
    assert Product.objects.get(pk=product.pk).rating_count == 1


def test_refusals_have_codes_and_statuses(shopper, other_shopper, product):
    assert client_for().post(f"/api/products/{product.pk}/reviews", {"rating": 4}, format="json").status_code in (
        401,
        403,
    )
    response = _post_review(other_shopper, product)
    assert (response.status_code, response.json()["code"]) == (403, "not_eligible")
    response = _post_review(shopper, product, rating=6)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_rating")
    assert "rating" in response.json()["errors"]
    response = _post_review(shopper, product, text="x" * 5001)
    assert (response.status_code, response.json()["code"], list(response.json()["errors"])) == (
        400,
        "too_long",
        ["text"],
    )
    assert _post_review(shopper, product).status_code == 201
    response = _post_review(shopper, product)
    assert (response.status_code, response.json()["code"]) == (409, "already_reviewed")


def test_sorting_and_star_filter(shopper, other_shopper, vendor_a, product, staff):
    from orders.models import OrderItem

    from .conftest import shipped_order

    first = review_create(author=shopper, order_item=OrderItem.objects.get(product=product), rating=2)
    order = shipped_order(user=other_shopper, vendor=vendor_a)
    item = OrderItem.objects.create(order=order, product=product, title="x", unit_price=1, quantity=1, line_total=1)
    second = review_create(author=other_shopper, order_item=item, rating=5)
    client_for(staff).post(f"/api/reviews/{first.pk}/helpful")

    def ids(**query):
        return [r["id"] for r in client_for().get(f"/api/products/{product.pk}/reviews", query).json()["results"]]

    assert ids() == [first.pk, second.pk]  # most helpful first
    assert ids(sort="newest") == [second.pk, first.pk]
    assert ids(sort="highest") == [second.pk, first.pk]
    assert ids(sort="lowest") == [first.pk, second.pk]
    assert ids(stars=5) == [second.pk]
    assert client_for().get(f"/api/products/{product.pk}/reviews", {"sort": "best"}).status_code == 400


def test_author_edits_and_deletes_others_get_404(shopper, other_shopper, product):
    review_id = _post_review(shopper, product).json()["id"]
    assert client_for(other_shopper).put(f"/api/reviews/{review_id}", {"rating": 1}, format="json").status_code == 404
    assert client_for(other_shopper).delete(f"/api/reviews/{review_id}").status_code == 404
    response = client_for(shopper).put(f"/api/reviews/{review_id}", {"rating": 5, "title": "Better"}, format="json")
    assert (response.status_code, response.json()["rating"]) == (200, 5)
    assert client_for(shopper).delete(f"/api/reviews/{review_id}").status_code == 204
    assert not Review.objects.exists()


def test_only_the_shop_replies(shopper, product, vendor_a, vendor_b):
    review_id = _post_review(shopper, product).json()["id"]
    response = client_for(vendor_b.owner).post(f"/api/reviews/{review_id}/reply", {"text": "Buy ours"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_your_shop")
    response = client_for(vendor_a.owner).post(f"/api/reviews/{review_id}/reply", {"text": "Thanks!"}, format="json")
    assert (response.status_code, response.json()["text"]) == (200, "Thanks!")
    listed = client_for().get(f"/api/products/{product.pk}/reviews").json()["results"][0]
    assert listed["reply"]["text"] == "Thanks!"


def test_helpful_votes_and_reports(shopper, other_shopper, product):
    review_id = _post_review(shopper, product).json()["id"]
    response = client_for(shopper).post(f"/api/reviews/{review_id}/helpful")
    assert (response.status_code, response.json()["code"]) == (403, "own_review")
    assert client_for(other_shopper).post(f"/api/reviews/{review_id}/helpful").json() == {"helpful_count": 1}
    response = client_for(other_shopper).post(f"/api/reviews/{review_id}/helpful")
    assert (response.status_code, response.json()["code"]) == (409, "already_voted")
    body = {"reason": "spam", "note": "link farm"}
    assert client_for(other_shopper).post(f"/api/reviews/{review_id}/report", body, format="json").status_code == 201
    response = client_for(other_shopper).post(f"/api/reviews/{review_id}/report", body, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_reported")
    response = client_for(other_shopper).post(f"/api/reviews/{review_id}/report", {"reason": "meh"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_writes_are_rate_limited(shopper, other_shopper, product, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "review_writes": "1/hour"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        review_id = _post_review(shopper, product).json()["id"]
        client = client_for(other_shopper)
        assert client.post(f"/api/reviews/{review_id}/helpful").status_code == 200
        assert client.post(f"/api/reviews/{review_id}/report", {"reason": "spam"}, format="json").status_code == 429
        assert client.get(f"/api/products/{product.pk}/reviews").status_code == 200  # reading isn't limited
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_a_review_with_photos_by_multipart(shopper, product, django_capture_on_commit_callbacks):
    from .test_photos import _photo

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(shopper).post(
            f"/api/products/{product.pk}/reviews", {"rating": "5", "photos": [_photo("a.jpg"), _photo("b.jpg")]},
            format="multipart",
        )  # fmt: skip
    assert response.status_code == 201, response.json()
    listed = client_for().get(f"/api/products/{product.pk}/reviews").json()["results"][0]
    assert len(listed["photos"]) == 2
    assert "-400.jpg" in listed["photos"][0]["thumbnail_url"]


def test_too_many_photos_by_multipart_are_refused(shopper, product):
    from .test_photos import _photo

    body = {"rating": "5", "photos": [_photo(f"{i}.jpg") for i in range(4)]}
    response = client_for(shopper).post(f"/api/products/{product.pk}/reviews", body, format="multipart")
    assert response.status_code == 400
    assert not Review.objects.exists()
