"""Refund and cancel from the staff dashboard, by role, against localstripe: who is offered what, a forged post
refused with nothing moved, the refund going through the service (ledger, Stripe, email), and a double post."""

import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core import mail
from django.urls import reverse

from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from marketplace.stripe_client import stripe_client
from orders.models import LedgerEntry, Order, OrderRefund
from orders.refunds import RefundError
from orders.services import order_mark_shipped
from orders.staff import order_staff_refund

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug_order(placed_checkout, vendor_a):
    """Kiln & Co's order (2 × Mug at 20.00 and the shop's shipping) in the shopper's checkout, paid on localstripe."""
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    return Order.objects.get(checkout=placed_checkout, vendor=vendor_a)


def _changelist():
    return reverse("admin:orders_order_changelist")


def _offered(client) -> set[str]:
    page = client.get(_changelist()).content.decode()
    return set(re.findall(r'<option value="([a-z_]+)"', page))


def _stripe_refunds(order) -> list[int]:
    refunds = stripe_client().v1.refunds.list(params={"charge": order.checkout.charge_id})
    return sorted(r.amount for r in refunds.auto_paging_iter())


def _confirm(client, action: str, order, **fields):
    """The first post (the action chosen) and the page it answers with; returns the page's key."""
    page = client.post(_changelist(), {"action": action, "_selected_action": [order.pk]})
    assert page.status_code == 200, page.content[:300]
    return re.search(r'name="key" value="([^"]+)"', page.content.decode()).group(1)


def _apply(client, action: str, order, key: str, **fields):
    data = {"action": action, "_selected_action": [order.pk], "apply": "1", "key": key, **fields}
    return client.post(_changelist(), data, follow=True)


def _logged(order) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(order.pk), action_flag=CHANGE).values_list("change_message", flat=True)
    )


def test_support_is_offered_neither_refund_nor_cancel(client, support, mug_order):
    client.force_login(support)
    assert client.get(_changelist()).status_code == 200  # support reads orders
    assert not {"refund_orders", "cancel_orders"} & _offered(client)


def test_finance_and_admin_are_offered_both(client, finance, admin_staff, mug_order):
    for person in (finance, admin_staff):
        client.force_login(person)
        assert {"refund_orders", "cancel_orders"} <= _offered(client)


@pytest.mark.parametrize("action", ["refund_orders", "cancel_orders"])
def test_a_forged_post_by_support_moves_nothing(client, support, mug_order, action):
    client.force_login(support)
    response = _apply(client, action, mug_order, "forged-key", reason="customer asked", mode="whole", index="0")

    assert response.status_code == 200  # the list again: Django's admin runs only the actions it offers
    assert not OrderRefund.objects.exists() and not LedgerEntry.objects.filter(kind="refund").exists()
    assert _stripe_refunds(mug_order) == []
    mug_order.refresh_from_db()
    assert mug_order.status == "paid"
    assert not _logged(mug_order)


def test_the_service_refuses_staff_without_the_finance_permission_whatever_the_caller(support, staff, mug_order):
    for person in (support, staff):
        with pytest.raises(RefundError, match="doesn't allow you to refund") as refused:
            order_staff_refund(order=mug_order, by=person, request_key="k", reason="because")
        assert refused.value.code == "not_allowed"
    assert not OrderRefund.objects.exists() and _stripe_refunds(mug_order) == []


def test_the_shopper_cant_reach_the_dashboard(client, shopper, mug_order):
    client.force_login(shopper)
    response = _apply(client, "refund_orders", mug_order, "k", reason="me", mode="whole")
    assert response.redirect_chain and "login" in response.redirect_chain[0][0]
    assert not OrderRefund.objects.exists()


def test_finance_refunds_in_full_through_the_service_once_however_often_the_page_is_posted(
    client, finance, mug_order, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    key = _confirm(client, "refund_orders", mug_order)

    with django_capture_on_commit_callbacks(execute=True):
        first = _apply(client, "refund_orders", mug_order, key, reason="lost in the post", mode="whole")
    with django_capture_on_commit_callbacks(execute=True):
        second = _apply(client, "refund_orders", mug_order, key, reason="lost in the post", mode="whole")

    assert f"Refunded {mug_order.total} USD" in first.content.decode()
    assert "this form was sent already" in second.content.decode()
    refund = OrderRefund.objects.get()
    assert (refund.amount, refund.by, refund.reason, refund.status) == (
        mug_order.total, finance, "lost in the post", "succeeded"
    )  # fmt: skip
    assert _stripe_refunds(mug_order) == [int(mug_order.total * 100)]
    assert LedgerEntry.objects.filter(refund=refund, kind="refund").get().amount == -mug_order.total
    assert LedgerEntry.objects.filter(refund=refund, kind="fee_return").count() == 2
    mug_order.refresh_from_db()
    assert mug_order.status == "refunded"
    assert _logged(mug_order) == [f"Refunded {mug_order.total} USD (refund {refund.pk}): lost in the post"]
    assert [m.to for m in mail.outbox if "refund" in m.subject.lower()] == [[mug_order.checkout.email]]


def test_finance_refunds_chosen_items_of_one_order(client, finance, mug_order):
    client.force_login(finance)
    item = mug_order.items.get()
    key = _confirm(client, "refund_orders", mug_order)

    _apply(client, "refund_orders", mug_order, key, reason="one cracked", mode="items", **{f"qty_{item.pk}": "1"})

    refund = OrderRefund.objects.get()
    assert refund.amount == Decimal("20.00") and refund.items == [{"item": item.pk, "quantity": 1}]
    assert _stripe_refunds(mug_order) == [2000]
    mug_order.refresh_from_db()
    assert mug_order.status == "partially_refunded"


def test_finance_refunds_an_amount_and_more_than_is_left_is_refused(client, finance, mug_order):
    client.force_login(finance)
    _apply(client, "refund_orders", mug_order, _confirm(client, "refund_orders", mug_order),
           reason="late", mode="amount", amount="7.50")  # fmt: skip
    response = _apply(client, "refund_orders", mug_order, _confirm(client, "refund_orders", mug_order),
                      reason="again", mode="amount", amount="40.00")  # fmt: skip

    assert (
        f"At most {mug_order.total - Decimal('7.50')} USD of this order can still be refunded"
        in response.content.decode()
    )
    assert [r.amount for r in OrderRefund.objects.all()] == [Decimal("7.50")]
    assert _stripe_refunds(mug_order) == [750]
    assert len(_logged(mug_order)) == 1


def test_a_refund_needs_a_reason_and_nothing_moves_without_one(client, finance, mug_order):
    client.force_login(finance)
    response = _apply(client, "refund_orders", mug_order, _confirm(client, "refund_orders", mug_order), mode="whole")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not OrderRefund.objects.exists() and _stripe_refunds(mug_order) == []


def test_items_or_an_amount_are_offered_for_one_order_only(client, finance, placed_checkout):
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    both = list(placed_checkout.orders.values_list("pk", flat=True))
    client.force_login(finance)
    page = client.post(_changelist(), {"action": "refund_orders", "_selected_action": both}).content.decode()
    assert 'value="whole"' in page and 'value="amount"' not in page and "qty_" not in page


def test_finance_cancels_an_unshipped_order_once(client, finance, mug_order, django_capture_on_commit_callbacks):
    client.force_login(finance)
    key = _confirm(client, "cancel_orders", mug_order)
    with django_capture_on_commit_callbacks(execute=True):
        _apply(client, "cancel_orders", mug_order, key, reason="shop closed")
        _apply(client, "cancel_orders", mug_order, key, reason="shop closed")

    refund = OrderRefund.objects.get()
    assert refund.amount == mug_order.total and refund.by == finance
    mug_order.refresh_from_db()
    assert mug_order.status == "cancelled"
    assert _logged(mug_order) == [f"Cancelled and refunded {mug_order.total} USD (refund {refund.pk}): shop closed"]
    assert len([m for m in mail.outbox if "cancel" in m.subject.lower()]) == 1


def test_a_shipped_order_isnt_cancelled(client, admin_staff, mug_order, vendor_a):
    order_mark_shipped(order=mug_order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    client.force_login(admin_staff)
    response = _apply(client, "cancel_orders", mug_order, _confirm(client, "cancel_orders", mug_order), reason="x")
    assert "has shipped, so it can&#x27;t be cancelled" in response.content.decode()
    assert not OrderRefund.objects.exists() and _stripe_refunds(mug_order) == []


@pytest.mark.django_db(transaction=True)
def test_the_same_page_posted_twice_at_the_same_moment_refunds_once(finance, mug_order):
    from marketplace.tests.concurrency import run_at_once

    outcomes = run_at_once(
        lambda: order_staff_refund(order=mug_order, by=finance, request_key="one-page", reason="lost"), times=2
    )

    assert sorted(created for _refund, created in outcomes) == [False, True]
    assert OrderRefund.objects.count() == 1
    assert _stripe_refunds(mug_order) == [int(mug_order.total * 100)]


@pytest.mark.django_db(transaction=True)
def test_finance_and_admin_refunding_in_full_at_once_refund_once(finance, admin_staff, mug_order):
    from marketplace.tests.concurrency import run_at_once

    people = iter([finance, admin_staff])

    def click():
        person = next(people)
        try:
            order_staff_refund(order=mug_order, by=person, request_key=f"page-of-{person.pk}", reason="dup")
            return "refunded"
        except RefundError as exc:
            return exc.code

    assert sorted(run_at_once(click, times=2)) == ["nothing_left", "refunded"]
    assert _stripe_refunds(mug_order) == [int(mug_order.total * 100)]


def test_a_page_opened_before_the_shop_refunded_refunds_nothing_more(client, finance, mug_order, vendor_a):
    from orders.refunds import order_refund

    client.force_login(finance)
    key = _confirm(client, "refund_orders", mug_order)  # staff open the page...
    order_refund(order=mug_order, by=vendor_a.owner, request_key="shop-page")  # ...the shop refunds meanwhile

    response = _apply(client, "refund_orders", mug_order, key, reason="late", mode="whole")

    assert f"Order {mug_order.number} is refunded; it can&#x27;t be refunded" in response.content.decode()
    assert OrderRefund.objects.get().by == vendor_a.owner
    assert _stripe_refunds(mug_order) == [int(mug_order.total * 100)]
    assert not _logged(mug_order)


def test_an_order_never_paid_has_nothing_to_refund(client, finance, placed_checkout, vendor_a):
    unpaid = Order.objects.get(checkout=placed_checkout, vendor=vendor_a)
    client.force_login(finance)

    response = _apply(client, "refund_orders", unpaid, _confirm(client, "refund_orders", unpaid), reason="x",
                      mode="whole")  # fmt: skip

    assert "can&#x27;t be refunded" in response.content.decode()
    assert not OrderRefund.objects.exists()


def test_finance_refunds_an_item_from_the_orders_own_page(client, finance, support, mug_order):
    page_url = reverse("admin:orders_order_change", args=[mug_order.pk])
    client.force_login(support)
    assert 'value="refund_orders"' not in client.get(page_url).content.decode()

    client.force_login(finance)
    assert 'value="refund_orders"' in client.get(page_url).content.decode()
    data = {"CHANGE_FORM-action": "refund_orders", "_selected_action": [mug_order.pk]}
    confirm = client.post(page_url, data).content.decode()
    key = re.search(r'name="key" value="([^"]+)"', confirm).group(1)
    assert 'name="CHANGE_FORM-action" value="refund_orders"' in confirm
    item = mug_order.items.get()

    done = client.post(page_url, {**data, "apply": "1", "key": key, "reason": "chipped", "mode": "items",
                                  f"qty_{item.pk}": "1"}, follow=True)  # fmt: skip

    assert done.redirect_chain[-1][0] == page_url
    assert "Refunded 20.00 USD" in done.content.decode()
    assert OrderRefund.objects.get().amount == Decimal("20.00") and _stripe_refunds(mug_order) == [2000]
