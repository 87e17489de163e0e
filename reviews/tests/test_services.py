"""Who may review, edit, reply, vote and report, and every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from orders.models import Order
from orders.tests.factories import paid_order
from reviews.models import HelpfulVote, Review, ReviewModeration, ReviewReport, ShopRating
from reviews.services import (
    ReviewError,
    review_create,
    review_delete,
    review_edit,
    review_report,
    review_set_hidden,
    review_vote_helpful,
    shop_reply_save,
)

from .conftest import shipped_order

pytestmark = pytest.mark.django_db


def _refused(code, call, **kwargs):
    with pytest.raises(ReviewError) as info:
        call(**kwargs)
    assert info.value.code == code, str(info.value)
    return info.value


def test_the_buyer_of_a_delivered_item_reviews_it_and_the_ratings_follow(shopper, bought):
    review = review_create(author=shopper, order_item=bought, rating=4, title="  Lovely  mug ", text="Holds tea.\n")
    assert (review.rating, review.title, review.text, review.vendor_id) == (
        4,
        "Lovely mug",
        "Holds tea.",
        bought.order.vendor_id,
    )
    product = Product.objects.get(pk=bought.product_id)
    assert (product.rating_avg, product.rating_count) == (pytest.approx(4), 1)
    assert ShopRating.objects.get(vendor_id=bought.order.vendor_id).counts == {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}


def test_a_shipped_item_may_be_reviewed_before_delivery(shopper, vendor_a):
    item = shipped_order(user=shopper, vendor=vendor_a, delivered=False).items.get()
    assert review_create(author=shopper, order_item=item, rating=5).pk


def test_refused_without_a_qualifying_order(shopper, other_shopper, vendor_a, bought):
    error = _refused("not_eligible", review_create, author=other_shopper, order_item=bought, rating=5)
    assert "buyer" in str(error)
    unshipped = paid_order(user=shopper, vendor=vendor_a).items.get()
    _refused("not_eligible", review_create, author=shopper, order_item=unshipped, rating=5)
    Order.objects.filter(pk=bought.order_id).update(shipped_at=timezone.now() - timedelta(days=181))
    error = _refused("not_eligible", review_create, author=shopper, order_item=bought, rating=5)
    assert "180 days" in str(error)
    assert not Review.objects.exists()


def test_refused_a_second_review_of_the_same_item(shopper, bought):
    review_create(author=shopper, order_item=bought, rating=5)
    _refused("already_reviewed", review_create, author=shopper, order_item=bought, rating=1)
    assert Product.objects.get(pk=bought.product_id).rating_count == 1


@pytest.mark.parametrize("rating", [0, 6, -1, "4.5", "", None, True, "five"])
def test_refused_a_rating_outside_1_to_5(shopper, bought, rating):
    error = _refused("invalid_rating", review_create, author=shopper, order_item=bought, rating=rating)
    assert error.field == "rating"


@pytest.mark.parametrize(("field", "size"), [("title", 121), ("text", 5001)])
def test_refused_oversized_text(shopper, bought, field, size):
    error = _refused("too_long", review_create, author=shopper, order_item=bought, rating=3, **{field: "x" * size})
    assert error.field == field
    assert not Review.objects.exists()


def test_the_author_edits_within_30_days_and_deletes(shopper, other_shopper, bought):
    review = review_create(author=shopper, order_item=bought, rating=2)
    _refused("not_author", review_edit, review=review, by=other_shopper, rating=5)
    review_edit(review=review, by=shopper, rating=5, title="Better after all")
    assert Product.objects.get(pk=bought.product_id).rating_avg == 5
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=31))
    _refused("edit_window_closed", review_edit, review=review, by=shopper, rating=1)
    _refused("not_author", review_delete, review=review, by=other_shopper)
    review_delete(review=review, by=shopper)
    product = Product.objects.get(pk=bought.product_id)
    assert (product.rating_avg, product.rating_count) == (None, 0)


def test_only_the_products_shop_replies_once_and_may_edit(shopper, bought, vendor_a, vendor_b, mailoutbox,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    review = review_create(author=shopper, order_item=bought, rating=3)
    _refused("not_your_shop", shop_reply_save, review=review, by=vendor_b.owner, text="Ours is better")
    _refused("not_your_shop", shop_reply_save, review=review, by=shopper, text="Me too")
    with django_capture_on_commit_callbacks(execute=True):
        shop_reply_save(review=review, by=vendor_a.owner, text="Thank you!")
    with django_capture_on_commit_callbacks(execute=True):
        reply = shop_reply_save(review=review, by=vendor_a.owner, text="Thank you, Sasha!")
    assert reply.text == "Thank you, Sasha!"
    assert review.reply.pk == reply.pk
    assert [m.to for m in mailoutbox] == [[shopper.email]]  # notified once, for the new reply
    assert "Kiln & Co replied" in mailoutbox[0].subject
    from marketplace.models import Notification

    bell = Notification.objects.filter(user=shopper, kind="review_reply")
    assert bell.count() == 1 and "Kiln & Co replied" in bell.get().text  # in-app too, once


def test_helpful_votes_once_per_person_never_on_ones_own(shopper, other_shopper, vendor_b, bought):
    review = review_create(author=shopper, order_item=bought, rating=5)
    _refused("own_review", review_vote_helpful, review=review, user=shopper)
    assert review_vote_helpful(review=review, user=other_shopper).helpful_count == 1
    _refused("already_voted", review_vote_helpful, review=review, user=other_shopper)
    review_vote_helpful(review=review, user=vendor_b.owner)
    assert Review.objects.get(pk=review.pk).helpful_count == HelpfulVote.objects.filter(review=review).count() == 2


def test_reports_and_moderation_hide_and_restore_with_audit(shopper, other_shopper, staff, bought):
    review = review_create(author=shopper, order_item=bought, rating=1)
    review_report(review=review, reporter=other_shopper, reason="offensive", note="Rude")
    _refused("already_reported", review_report, review=review, reporter=other_shopper, reason="spam")
    _refused("invalid_reason", review_report, review=review, reporter=staff, reason="boring")
    _refused("own_review", review_report, review=review, reporter=shopper, reason="spam")
    _refused("reason_required", review_set_hidden, review=review, hidden=True, by=staff, reason=" ")
    review_set_hidden(review=review, hidden=True, by=staff, reason="Abusive language")
    product = Product.objects.get(pk=bought.product_id)
    assert (product.rating_avg, product.rating_count) == (None, 0)
    assert ReviewReport.objects.get().resolved_at is not None
    _refused("no_change", review_set_hidden, review=review, hidden=True, by=staff, reason="again")
    review_set_hidden(review=review, hidden=False, by=staff, reason="Appeal accepted")
    assert Product.objects.get(pk=bought.product_id).rating_count == 1
    assert [(m.action, m.reason, m.changed_by) for m in ReviewModeration.objects.order_by("id")] == [
        ("hide", "Abusive language", staff), ("restore", "Appeal accepted", staff),
    ]  # fmt: skip
