"""The order state machine: every move the table allows works and leaves history; every other is refused."""

import re

import pytest

from orders.models import Order, OrderStatusChange, order_number_new
from orders.services import TRANSITIONS, IllegalTransition, order_transition

from .factories import paid_order

S = Order.Status
ALL_PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.fixture
def order(shopper, vendor_a):
    return paid_order(user=shopper, vendor=vendor_a)


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "to"), ALL_PAIRS)
def test_every_move_is_allowed_or_refused_by_the_table(order, vendor_a, start, to):
    Order.objects.filter(pk=order.pk).update(status=start)
    order.refresh_from_db()
    before = OrderStatusChange.objects.filter(order=order).count()
    if to in TRANSITIONS[start]:
        order_transition(order=order, to=to, by=vendor_a.owner, note="because")
        order.refresh_from_db()
        assert order.status == to
        change = OrderStatusChange.objects.filter(order=order).last()
        assert (change.from_status, change.to_status, change.by, change.note) == (start, to, vendor_a.owner, "because")
    else:
        with pytest.raises(IllegalTransition, match=order.number):
            order_transition(order=order, to=to, by=vendor_a.owner)
        order.refresh_from_db()
        assert order.status == start
        assert OrderStatusChange.objects.filter(order=order).count() == before


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(S.values)


@pytest.mark.django_db
def test_paying_writes_the_first_history_row(order):
    assert list(order.status_changes.values_list("from_status", "to_status")) == [("pending_payment", "paid")]


def test_order_numbers_are_short_readable_and_random():
    numbers = {order_number_new() for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(re.fullmatch(r"AM-[2-9B-DF-HJ-NP-TV-XZ]{4}-[2-9B-DF-HJ-NP-TV-XZ]{2}", n) for n in numbers)


@pytest.mark.django_db
def test_every_order_gets_its_own_number(shopper, vendor_a, vendor_b):
    from .factories import paid_checkout

    checkout = paid_checkout(user=shopper, vendors=[vendor_a, vendor_b])
    numbers = list(checkout.orders.values_list("number", flat=True))
    assert len(set(numbers)) == 2 and all(n.startswith("AM-") for n in numbers)
