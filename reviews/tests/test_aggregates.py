"""The rating aggregates never drift: after any sequence of changes they equal a count from scratch."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from marketplace.accounts.models import User
from orders.models import OrderItem
from reviews.models import ProductRating, Review, ShopRating
from reviews.services import (
    ReviewError,
    rating_average,
    review_create,
    review_delete,
    review_edit,
    review_set_hidden,
)

from .conftest import shipped_order


def _buy(*, buyers, vendor_a, vendor_b):
    """Each buyer gets an order from each shop holding the shared products: three products, two shops."""
    products = [ProductFactory(vendor=vendor_a), ProductFactory(vendor=vendor_a), ProductFactory(vendor=vendor_b)]
    items = []
    for buyer in buyers:
        orders = {
            vendor_a.pk: shipped_order(user=buyer, vendor=vendor_a),
            vendor_b.pk: shipped_order(user=buyer, vendor=vendor_b),
        }
        for product in products:
            items.append(OrderItem.objects.create(
                order=orders[product.vendor_id], product=product, title=product.title,
                unit_price=product.price, quantity=1, line_total=product.price,
            ))  # fmt: skip
    return items


def _assert_aggregates_match_a_recount():
    visible = Review.objects.filter(is_hidden=False)
    for product in Product.objects.all():
        counts = Counter(visible.filter(product=product).values_list("rating", flat=True))
        expected = {star: counts.get(star, 0) for star in range(1, 6)}
        stored = ProductRating.objects.filter(product=product).first()
        assert (stored.counts if stored else {s: 0 for s in range(1, 6)}) == expected
        assert product.rating_count == sum(expected.values())
        assert product.rating_avg == rating_average(expected)
    for shop_id in set(Product.objects.values_list("vendor_id", flat=True)):
        counts = Counter(visible.filter(product__vendor_id=shop_id).values_list("rating", flat=True))
        stored = ShopRating.objects.filter(vendor_id=shop_id).first()
        assert (stored.counts if stored else {s: 0 for s in range(1, 6)}) == {s: counts.get(s, 0) for s in range(1, 6)}


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["create", "edit", "delete", "hide", "restore"]), st.integers(0, 11), st.integers(1, 5)),
    max_size=30,
)


@pytest.fixture
def items(vendor_a, vendor_b):
    """Twelve reviewable items; made once per test, shared by its examples (each rolls back its changes)."""
    buyers = [User.objects.create_user(email=f"buyer{i}@example.com", password="x") for i in range(4)]
    return _buy(buyers=buyers, vendor_a=vendor_a, vendor_b=vendor_b)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_aggregates_equal_a_recount_after_any_sequence(operations, items, staff):
    savepoint = transaction.savepoint_create()
    try:
        for action, index, rating in operations:
            item = OrderItem.objects.select_related("order__checkout__user").get(pk=items[index].pk)
            buyer = item.order.checkout.user
            review = Review.objects.filter(order_item=item).first()
            try:
                if action == "create":
                    review_create(author=buyer, order_item=item, rating=rating, title="t")
                elif review is None:
                    continue
                elif action == "edit":
                    review_edit(review=review, by=buyer, rating=rating)
                elif action == "delete":
                    review_delete(review=review, by=buyer)
                else:
                    review_set_hidden(review=review, hidden=action == "hide", by=staff, reason="moderated")
            except ReviewError as exc:
                assert exc.code in ("already_reviewed", "no_change")
            _assert_aggregates_match_a_recount()
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_of_one_product_lose_no_update(vendor_a, vendor_b):
    """Eight buyers review the same product at the same moment, each in its own connection."""
    buyers = [User.objects.create_user(email=f"racer{i}@example.com", password="x") for i in range(8)]
    items = [
        item
        for item in _buy(buyers=buyers, vendor_a=vendor_a, vendor_b=vendor_b)
        if item.product.vendor_id == vendor_b.pk
    ]
    start = threading.Barrier(len(items))
    errors = []

    def write(item, rating):
        try:
            start.wait()
            review_create(author=item.order.checkout.user, order_item=item, rating=rating)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    items = list(
        OrderItem.objects.select_related("order__checkout__user", "product").filter(pk__in=[i.pk for i in items])
    )
    threads = [threading.Thread(target=write, args=(item, 1 + i % 5)) for i, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Review.objects.count() == 8
    _assert_aggregates_match_a_recount()
    product = Product.objects.get(pk=items[0].product_id)
    assert (product.rating_count, product.rating_avg) == (8, rating_average(Counter(1 + i % 5 for i in range(8))))
