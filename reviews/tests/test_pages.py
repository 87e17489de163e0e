"""Review pages: the product page's list (sort, filter, HTMX fragment), the write form from the order page
with errors in place, the shop's reply, votes and reports; text is shown inert; ratings reach cards,
storefront, search and JSON-LD."""

import json

import pytest
from django.urls import reverse

from catalog.models import Product
from reviews.models import Review, ReviewReport, ShopReply
from reviews.services import review_create, shop_reply_save

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_write_link_on_the_order_page_and_the_form_publishes(client, shopper, bought):
    client.force_login(shopper)
    order_page = client.get(reverse("orders:mine", args=[bought.order.number])).content.decode()
    write_url = reverse("reviews:write", args=[bought.pk])
    assert f'href="{write_url}"' in order_page
    response = client.post(write_url, {"rating": "5", "title": "Lovely", "text": "Really."})
    assert response.status_code == 302
    assert response["Location"].endswith(bought.product.get_absolute_url() + "#reviews")
    order_page = client.get(reverse("orders:mine", args=[bought.order.number])).content.decode()
    assert "you rated it 5 out of 5" in order_page


def test_form_errors_are_shown_in_place_with_422(client, shopper, bought):
    client.force_login(shopper)
    url = reverse("reviews:write", args=[bought.pk])
    response = client.post(url, {"rating": "9", "text": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="review-form">')
    assert "Choose a rating from 1 to 5 stars." in html
    response = client.post(url, {"rating": "3", "text": "x" * 5001})
    assert response.status_code == 422
    assert "at most 5000 characters" in response.content.decode()
    assert not Review.objects.exists()


def test_others_cannot_open_the_form_and_a_second_review_goes_to_edit(client, shopper, other_shopper, bought):
    client.force_login(other_shopper)
    assert client.get(reverse("reviews:write", args=[bought.pk])).status_code == 404
    review_create(author=shopper, order_item=bought, rating=4)
    client.force_login(shopper)
    response = client.get(reverse("reviews:write", args=[bought.pk]))
    assert response["Location"] == reverse("reviews:edit", args=[bought.review.pk])


def test_product_page_lists_reviews_inert_with_badge_reply_and_json_ld(client, shopper, vendor_a, bought):
    review = review_create(author=shopper, order_item=bought, rating=4, title=XSS, text=XSS)
    shop_reply_save(review=review, by=vendor_a.owner, text=XSS)
    html = client.get(bought.product.get_absolute_url()).content.decode()
    section = html.split('id="reviews"')[1]
    assert "<script>alert" not in section and "<img src=x" not in section
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in section
    assert "Verified purchase" in section
    assert "Reply from Kiln &amp; Co" in section
    assert "Rated 4 out of 5" in html
    ld = json.loads(html.split('application/ld+json">')[1].split("</script>")[0])
    assert ld["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": "4.00", "reviewCount": 1,
                                     "bestRating": 5, "worstRating": 1}  # fmt: skip
    assert ld["review"][0]["reviewRating"]["ratingValue"] == 4
    assert ld["review"][0]["reviewBody"] == XSS  # escaped for the script block, the same text once parsed


def test_sort_and_star_filter_as_a_fragment_and_without_js(client, shopper, other_shopper, vendor_a, bought):
    from orders.models import OrderItem

    from .conftest import shipped_order

    review_create(author=shopper, order_item=bought, rating=2, title="Two stars")
    order = shipped_order(user=other_shopper, vendor=vendor_a)
    item = OrderItem.objects.create(
        order=order, product=bought.product, title="x", unit_price=1, quantity=1, line_total=1
    )
    review_create(author=other_shopper, order_item=item, rating=5, title="Five stars")
    url = reverse("reviews:product", args=[bought.product_id])
    fragment = client.get(url, {"review_sort": "lowest"}, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section class="reviews" id="reviews"')
    assert fragment.index("Two stars") < fragment.index("Five stars")
    fragment = client.get(url, {"stars": "5"}, headers={"HX-Request": "true"}).content.decode()
    assert "Five stars" in fragment and "Two stars" not in fragment
    page = client.get(bought.product.get_absolute_url(), {"review_sort": "highest"}).content.decode()
    assert page.index("Five stars") < page.index("Two stars")
    assert client.get(url, {"stars": "5"})["Location"].startswith(bought.product.get_absolute_url() + "?stars=5")


def test_helpful_vote_and_report_pages(client, shopper, other_shopper, bought):
    review = review_create(author=shopper, order_item=bought, rating=4)
    client.force_login(other_shopper)
    url = reverse("reviews:helpful", args=[review.pk])
    assert client.post(url, headers={"HX-Request": "true"}).status_code == 200
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "already marked" in response.content.decode()
    response = client.post(reverse("reviews:report", args=[review.pk]), {"reason": "spam"})
    assert response.status_code == 302
    assert ReviewReport.objects.get().reason == "spam"
    client.force_login(shopper)
    assert client.post(url, headers={"HX-Request": "true"}).status_code == 422  # own review


def test_only_the_products_shop_replies_from_its_reviews_page(client, shopper, vendor_a, vendor_b, bought):
    review = review_create(author=shopper, order_item=bought, rating=3)
    client.force_login(vendor_b.owner)
    assert client.get(reverse("reviews:reply", args=[review.pk])).status_code == 404
    assert client.post(reverse("reviews:reply", args=[review.pk]), {"text": "ours"}).status_code == 404
    client.force_login(vendor_a.owner)
    assert (
        f'href="{reverse("reviews:reply", args=[review.pk])}"' in client.get(reverse("reviews:shop")).content.decode()
    )
    response = client.post(reverse("reviews:reply", args=[review.pk]), {"text": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert client.post(reverse("reviews:reply", args=[review.pk]), {"text": "Thank you"}).status_code == 302
    assert ShopReply.objects.get().text == "Thank you"


def test_ratings_on_cards_storefront_and_search(client, shopper, vendor_a, bought):
    review_create(author=shopper, order_item=bought, rating=5)
    assert Product.objects.get(pk=bought.product_id).rating_avg == 5
    storefront = client.get(vendor_a.get_absolute_url()).content.decode()
    assert 'aria-label="Shop rating"' in storefront
    assert "Rated 5.00 out of 5 from 1 review" in storefront  # the product's card
    search = client.get(reverse("catalog:search"), {"q": bought.product.title}).content.decode()
    assert "Rated 5.00 out of 5 from 1 review" in search
    assert 'name="min_rating"' in search  # the rating filter appears once a product is rated


def test_staff_hide_a_reported_review_from_the_admin_queue_with_a_reason(client, staff, shopper, other_shopper, bought):
    from reviews.services import review_report

    review = review_create(author=shopper, order_item=bought, rating=1, title="Rude words")
    review_report(review=review, reporter=other_shopper, reason="offensive")
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    url = "/staff/reviews/review/"
    queue = client.get(url, {"reports": "open"}).content.decode()
    assert "Rude words" in queue
    response = client.post(url, {"action": "hide_reviews", "_selected_action": [review.pk]})
    assert "give a reason" in response.content.decode()
    assert not Review.objects.get(pk=review.pk).is_hidden
    client.post(url, {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "Abuse"})
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason) == (True, "Abuse")
    assert review.moderations.get().changed_by == staff
    assert Product.objects.get(pk=bought.product_id).rating_count == 0
    assert "Rude words" not in client.get(bought.product.get_absolute_url()).content.decode()
    assert "Rude words" not in client.get(url, {"reports": "open"}).content.decode()
    client.post(url, {"action": "restore_reviews", "_selected_action": [review.pk], "apply": "1", "reason": "Appeal"})
    assert Product.objects.get(pk=bought.product_id).rating_count == 1


def test_an_edit_that_keeps_the_rating_still_refreshes_the_cached_page(client, shopper, bought, redis_cache,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    from reviews.services import review_edit

    with django_capture_on_commit_callbacks(execute=True):
        review = review_create(author=shopper, order_item=bought, rating=4, title="First words")
    assert "First words" in client.get(bought.product.get_absolute_url()).content.decode()  # now cached for guests
    with django_capture_on_commit_callbacks(execute=True):
        review_edit(review=review, by=shopper, rating=4, title="Second thoughts")
    assert "Second thoughts" in client.get(bought.product.get_absolute_url()).content.decode()


def test_the_author_deletes_from_the_edit_page_and_the_window_closes_after_30_days(client, shopper, bought):
    from datetime import timedelta

    from django.utils import timezone

    review = review_create(author=shopper, order_item=bought, rating=4)
    client.force_login(shopper)
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=31))
    response = client.post(reverse("reviews:edit", args=[review.pk]), {"rating": "1"})
    assert response.status_code == 422
    assert "30 days" in response.content.decode()
    assert Review.objects.get().rating == 4
    assert client.post(reverse("reviews:delete", args=[review.pk])).status_code == 302
    assert not Review.objects.exists()
    assert Product.objects.get(pk=bought.product_id).rating_count == 0


def test_a_helpful_vote_shows_to_guests_at_once(client, shopper, other_shopper, bought, redis_cache,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    from reviews.services import review_vote_helpful

    with django_capture_on_commit_callbacks(execute=True):
        review = review_create(author=shopper, order_item=bought, rating=4)
    assert "0 found this helpful" in client.get(bought.product.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        review_vote_helpful(review=review, user=other_shopper)
    assert "1 found this helpful" in client.get(bought.product.get_absolute_url()).content.decode()


def test_guest_section_links_carry_only_the_reviews_own_parameters(client, shopper, bought):
    review_create(author=shopper, order_item=bought, rating=4)
    html = client.get(bought.product.get_absolute_url(), {"stars": "4", "utm_source": "evil"}).content.decode()
    section = html.split('id="reviews"')[1]
    assert "utm_source" not in section
    assert "stars=3" in section  # the histogram's links keep working


@pytest.mark.usefixtures("no_page_cache")
def test_a_product_without_reviews_reads_no_review_rows(client, vendor_a):
    """Most products have no review yet: their count says so, so the page's reviews section and structured
    data cost no query (a first visit to a product page read the reviews, their page count and the histogram)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.tests.factories import ProductFactory

    product = ProductFactory(vendor=vendor_a, title="Unreviewed jug")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(product.get_absolute_url()).content.decode()
    assert "Unreviewed jug" in html
    assert not [q["sql"] for q in queries.captured_queries if "reviews_" in q["sql"]]


def test_a_product_without_reviews_draws_its_section_without_the_cache(client, shopper, bought, redis_cache,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    """Most products have no review: their (empty) section is drawn, which costs less than the five
    round trips to Redis of keeping it. The first review is cached and shows at once."""
    import redis

    keys = redis.Redis.from_url(redis_cache)
    page = client.get(bought.product.get_absolute_url()).content.decode()
    assert 'id="reviews"' in page
    assert not keys.keys("*product-reviews:*") and not keys.keys("*version:reviews:*")
    with django_capture_on_commit_callbacks(execute=True):
        review_create(author=shopper, order_item=bought, rating=5, title="Worth the wait")
    assert "Worth the wait" in client.get(bought.product.get_absolute_url()).content.decode()
    assert keys.keys(f"*product-reviews:{bought.product_id}:*")
