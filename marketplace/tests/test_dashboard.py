"""The staff dashboard (/staff/): each figure against hand-computed data, its link, and who may see it.

The data: one multi-shop checkout paid on localstripe after a declined card (Kiln & Co 2 × 20.00 + 4.50
shipping = 44.50, fee 1.11; Loom Works 35.50 + 4.50 = 40.00, fee 1.00), Kiln & Co's order then cancelled
(refunded in full, fee 1.11 returned) and Loom Works' refunded 10.00 (fee 0.25 returned); another checkout
only declined; orders paid just outside the period (a second before it, at the midnight after it).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from checkout.models import FollowUp, PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay, placed_checkout, webhook_secret  # noqa: F401 (fixtures by name)
from marketplace.dashboard.periods import period_preset
from marketplace.models import StripeEvent
from orders.models import Dispute, LedgerEntry, Order
from orders.refunds import order_cancel, order_refund
from orders.tests.factories import paid_order
from reviews.models import Review, ReviewReport
from vendors.models import Vendor
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db
DECLINED = "4000000000000002"


def _move(order: Order, when) -> None:
    """As if ``order`` had been paid at ``when``: its paid time and its payment-time ledger lines."""
    Order.objects.filter(pk=order.pk).update(paid_at=when, created_at=when)
    LedgerEntry.objects.filter(order=order, kind__in=("sale", "platform_fee")).update(created_at=when)


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    return staff


@pytest.fixture
def week():
    return period_preset("7d")


@pytest.fixture
def sales(placed_checkout, shopper, vendor_a, vendor_b, other_shopper, week):  # noqa: F811 (the fixture)
    """The data described at the top of this module; returns the orders by name."""
    from catalog.tests.factories import ProductFactory
    from checkout.models import Cart
    from checkout.payments import checkout_payment_intent
    from checkout.placement import checkout_place
    from checkout.services import cart_add
    from checkout.tests.conftest import ADDRESS

    card_pay(placed_checkout, DECLINED)
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    mugs = Order.objects.get(checkout=placed_checkout, vendor=vendor_a)
    scarf = Order.objects.get(checkout=placed_checkout, vendor=vendor_b)
    assert (mugs.total, mugs.platform_fee, scarf.total, scarf.platform_fee) == (
        Decimal("44.50"), Decimal("1.11"), Decimal("40.00"), Decimal("1.00"),
    )  # fmt: skip
    order_cancel(order=mugs, by=mugs.checkout.user, request_key="cancel", reason="changed my mind")
    order_refund(order=scarf, by=vendor_b.owner, request_key="part", amount=Decimal("10.00"))

    cart = Cart.objects.create(user=other_shopper)
    cart_add(cart=cart, product=ProductFactory(vendor=vendor_a, price=Decimal("12.00")))
    declined = checkout_place(cart=cart, email=other_shopper.email, address=ADDRESS, user=other_shopper)
    checkout_payment_intent(checkout=declined)
    declined.refresh_from_db()
    card_pay(declined, DECLINED)

    # From the first shopper's cart (emptied by the payment above; the other's still holds the declined checkout).
    before = paid_order(user=shopper, vendor=vendor_a, price=Decimal("99.00"))
    _move(before, week.start - timedelta(seconds=1))
    after = paid_order(user=shopper, vendor=vendor_b, price=Decimal("77.00"))
    _move(after, week.end)
    return {"mugs": mugs, "scarf": scarf, "before": before, "after": after}


def _figures(client, **params) -> dict[str, str]:
    import re

    response = client.get("/staff/", params)
    assert response.status_code == 200
    html = response.content.decode()
    return dict(re.findall(r'<p class="dashboard-value" data-figure="([a-z_]+)">([^<]*)</p>', html))


def test_the_sales_figures_add_up_by_hand(client, superuser, sales):
    client.force_login(superuser)

    figures = _figures(client, period="7d")

    assert figures["gmv"] == "$84.50"  # 44.50 + 40.00; the orders just outside the week are not in
    assert figures["orders"] == "2"
    assert figures["average_order"] == "$42.25"
    assert figures["platform_fees"] == "$0.75"  # 1.11 + 1.00 taken, 1.11 + 0.25 returned
    assert figures["refunded"] == "$54.50"  # 44.50 cancelled + 10.00
    assert figures["refunds"] == "2"


def test_payments_count_intents_not_attempts(client, superuser, sales):
    client.force_login(superuser)

    figures = _figures(client, period="7d")

    # Two intents had an outcome: one paid after a decline, one only declined.
    assert figures["payment_success"] == "50.0 %"
    assert figures["payments_declined"] == "2"
    kinds = PaymentRecord.objects.values_list("kind", flat=True)
    assert sorted(k for k in kinds if k in ("succeeded", "failed")) == ["failed", "failed", "succeeded"]


def test_a_longer_period_takes_in_what_was_just_outside_the_shorter(client, superuser, sales):
    client.force_login(superuser)

    figures = _figures(client, period="30d")

    assert figures["gmv"] == "$188.00"  # + 99.00 + 4.50 shipping, paid a second before the week
    assert figures["orders"] == "3"
    assert figures["platform_fees"] == f"${Decimal('0.75') + sales['before'].platform_fee}"


def test_the_per_day_table_puts_each_sale_on_its_day(client, superuser, sales, week):
    _move(sales["scarf"], week.start)  # the first moment of the week: in it, on its first day
    client.force_login(superuser)

    html = client.get("/staff/", {"period": "7d"}).content.decode()

    first_day = week.first_day.strftime("%a %-d %b")
    today = week.last_day.strftime("%a %-d %b")
    gmv_table = html[html.index('id="figure-gmv"') : html.index('id="figure-platform_fees"')]
    assert f'<th scope="row">{first_day}</th><td>$40.00</td>' in gmv_table
    assert f'<th scope="row">{today}</th><td>$44.50</td>' in gmv_table
    assert gmv_table.count("<rect ") == 2  # one bar per day with sales
    assert _figures(client, period="7d")["gmv"] == "$84.50"


def test_the_queues_count_what_needs_a_human_now(client, superuser, sales, vendor_a):
    Order.objects.filter(pk=sales["before"].pk).update(paid_at=timezone.now() - timedelta(days=10))
    VendorFactory(status=Vendor.Status.PENDING)
    review = _review(sales["scarf"])
    ReviewReport.objects.create(review=review, reporter=sales["mugs"].checkout.user, reason="spam")
    resolved = _review(sales["after"])
    ReviewReport.objects.create(review=resolved, reporter=vendor_a.owner, reason="spam", resolved_at=timezone.now())
    StripeEvent.objects.create(event_id="evt_failing", type="charge.refunded", payload={}, error="boom")
    StripeEvent.objects.create(event_id="evt_recovered", type="charge.refunded", payload={},
                               processed_at=timezone.now())  # fmt: skip
    FollowUp.objects.create(checkout=sales["before"].checkout, order=sales["before"], kind="transfer",
                            status="failed", next_attempt_at=timezone.now())  # fmt: skip
    for number, status in enumerate(["needs_response", "under_review", "won"]):
        Dispute.objects.create(stripe_dispute_id=f"dp_{number}", checkout=sales["scarf"].checkout, amount="10.00",
                               currency="USD", status=status)  # fmt: skip
    client.force_login(superuser)

    figures = _figures(client)

    # Paid 10 days ago, processing time 3 days; "after" was paid at the coming midnight: not yet due.
    assert figures["orders_overdue"] == "1"
    assert figures["shops_pending"] == "1"
    assert figures["reviews_reported"] == "1"
    assert figures["webhooks_failing"] == "1"
    assert figures["transfers_failed"] == "1"
    assert figures["disputes_open"] == "2"  # the won one is closed


def test_people_and_shops_count_sign_ups_in_the_period(client, superuser, sales, vendor_a, week):
    from marketplace.accounts.models import User

    User.objects.filter(pk=vendor_a.owner_id).update(date_joined=week.start - timedelta(seconds=1))
    Vendor.objects.filter(pk=vendor_a.pk).update(created_at=week.start - timedelta(seconds=1))
    client.force_login(superuser)

    figures = _figures(client, period="7d")

    # shopper, other_shopper and Ben (Loom Works); Ana joined before the week, staff don't count.
    assert figures["new_shoppers"] == "3"
    assert figures["new_shops"] == "1"


def _review(order: Order) -> Review:
    item = order.items.first()
    return Review.objects.create(order_item=item, product=item.product, vendor=order.vendor,
                                 author=order.checkout.user, rating=2)  # fmt: skip


# --- Links: each figure opens the list of exactly what it counts -------------------------------------


def test_each_figure_links_to_the_changelist_of_what_it_counts(client, superuser, sales):
    import re

    client.force_login(superuser)
    html = client.get("/staff/", {"period": "7d"}).content.decode()
    links = dict(re.findall(r'id="figure-([a-z_]+)">\s*<h4><a href="([^"]+)"', html))
    assert len(links) >= 14

    def listed(key):
        response = client.get(links[key].replace("&amp;", "&"))
        assert response.status_code == 200, key
        assert "e=1" not in response.get("Location", ""), key  # the admin's "bad filter" redirect
        return response.context["cl"]

    assert listed("orders").result_count == 2
    assert listed("refunds").result_count == 2
    assert sum(e.amount for e in listed("gmv").queryset) == Decimal("84.50")
    assert sum(e.amount for e in listed("platform_fees").queryset) == Decimal("0.75")
    assert -sum(e.amount for e in listed("refunded").queryset) == Decimal("54.50")
    assert {r.kind for r in listed("payment_success").queryset} == {"succeeded", "failed"}
    assert listed("payments_declined").result_count == 2
    assert listed("new_shops").result_count == 2
    assert [o.pk for o in listed("orders_overdue").queryset] == [sales["before"].pk]  # paid 7 days ago; 3 allowed
    for key in ("shops_pending", "reviews_reported", "webhooks_failing", "transfers_failed", "disputes_open"):
        assert listed(key).result_count == 0, key
    Dispute.objects.create(stripe_dispute_id="dp_open", checkout=sales["scarf"].checkout, amount="10.00",
                           currency="USD", status="warning_needs_response")  # fmt: skip
    Dispute.objects.create(stripe_dispute_id="dp_lost", checkout=sales["scarf"].checkout, amount="10.00",
                           currency="USD", status="lost")  # fmt: skip
    assert [d.stripe_dispute_id for d in listed("disputes_open").queryset] == ["dp_open"]


def test_the_overdue_link_lists_the_overdue_order(client, superuser, sales):
    Order.objects.filter(pk=sales["before"].pk).update(paid_at=timezone.now() - timedelta(days=10))
    StripeEvent.objects.create(event_id="evt_failing", type="charge.refunded", payload={}, error="boom")
    client.force_login(superuser)

    orders = client.get("/staff/orders/order/", {"overdue": "yes"}).context["cl"]
    events = client.get("/staff/marketplace/stripeevent/", {"processed_at__isnull": "True", "error__gt": ""})

    assert [o.pk for o in orders.queryset] == [sales["before"].pk]
    assert [e.event_id for e in events.context["cl"].queryset] == ["evt_failing"]


# --- Who may see what ------------------------------------------------------------------------------


def _grant(user, *codenames):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))


def test_support_without_finance_permissions_sees_counts_not_money(client, staff, sales):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _grant(staff, "orders.view_order", "vendors.view_vendor", "reviews.view_review", "accounts.view_user")
    client.force_login(staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/staff/", {"period": "7d"})
    figures = _figures(client, period="7d")

    assert figures["orders"] == "2" and figures["new_shops"] == "2" and "shops_pending" in figures
    for money_figure in ("gmv", "platform_fees", "average_order", "refunded", "refunds", "payment_success"):
        assert money_figure not in figures
    html = response.content.decode()
    assert "$84.50" not in html and "Sales (GMV)" not in html and "Platform fees" not in html
    # Not computed and hidden, but never computed at all: the ledger and the payment log aren't read.
    assert not [q for q in queries.captured_queries if "orders_ledgerentry" in q["sql"] or '"payments"' in q["sql"]]


def test_finance_sees_the_money(client, staff, sales):
    _grant(staff, "orders.view_ledgerentry", "checkout.view_paymentrecord")
    client.force_login(staff)

    figures = _figures(client, period="7d")

    assert figures["gmv"] == "$84.50" and figures["payment_success"] == "50.0 %"
    assert "orders" not in figures and "new_shoppers" not in figures


def test_a_staff_member_with_no_permissions_sees_no_figures(client, staff, django_assert_max_num_queries):
    client.force_login(staff)

    response = client.get("/staff/")

    assert response.status_code == 200
    assert "You have no figures to see here" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "shopper"])
def test_a_non_staff_person_cant_see_the_dashboard(client, shopper, who):
    if who == "shopper":
        client.force_login(shopper)

    response = client.get("/staff/", {"period": "7d"})

    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- The period --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "from": "not-a-date", "to": "2026-01-01"},
        {"period": "custom", "from": "2026-02-01", "to": "2026-01-01"},
        {"period": "custom"},
        {"period": "fortnight"},
    ],
)
def test_a_bad_period_shows_a_message_and_the_default_period(client, superuser, params):
    client.force_login(superuser)

    response = client.get("/staff/", params)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errornote" role="alert"' in html and "Showing 30 days instead." in html
    assert 'data-figure="gmv"' in html


def test_a_custom_period_shows_its_dates(client, superuser, sales, week):
    client.force_login(superuser)
    day = week.last_day.isoformat()

    figures = _figures(client, period="custom", **{"from": day, "to": day})

    assert figures["gmv"] == "$84.50" and figures["orders"] == "2"


def test_what_needs_a_human_links_to_the_operations_page(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{reverse("admin:operations")}" class="dashboard-operations">' in page
