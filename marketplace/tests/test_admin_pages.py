"""Every registered model's admin renders for a superuser with realistic rows: changelist, search, every filter
choice, change page, CSV export. And the big lists cost the same number of queries for 3 rows as for 12."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.services.products import product_set_hidden
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay
from conftest import _user
from marketplace.accounts.models import ApiToken
from marketplace.accounts.tests.test_staff_login import SECRET
from marketplace.admin import CsvExportMixin, csv_cell
from marketplace.models import StripeEvent
from orders.models import ConnectIncident, Dispute, LedgerEntry, Order, ReconciliationIssue
from orders.refunds import order_refund, refund_key_new
from orders.services import order_mark_delivered, order_mark_shipped
from orders.tests.conftest import placed_checkout, webhook_secret  # noqa: F401 (fixtures used by name)
from orders.tests.factories import paid_order
from reviews.services import review_create, review_report, review_set_hidden
from vendors.services.shops import vendor_status_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True
    staff.save()
    return staff


@pytest.fixture
def marketplace_rows(placed_checkout, superuser, shopper, vendor_a, django_capture_on_commit_callbacks):  # noqa: F811
    """A paid two-shop checkout (transfers sent, emails done), a partial refund, a delivered and reviewed
    order, a reported and hidden review, a dispute, reconciliation issues, a Connect incident, a stored event."""
    card_pay(placed_checkout)
    with django_capture_on_commit_callbacks(execute=True):
        checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    order = placed_checkout.orders.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, by=superuser, request_key=refund_key_new(), amount=Decimal("3.00"), reason="chip")
    delivered = paid_order(user=shopper, vendor=vendor_a)
    order_mark_shipped(order=delivered, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM1")
    order_mark_delivered(order=delivered, by=vendor_a.owner)
    review = review_create(author=shopper, order_item=delivered.items.get(), rating=4, title="=SUM(A1:A9)",
                           text="Lovely glaze")  # fmt: skip
    review_report(review=review, reporter=superuser, reason="spam")
    review_set_hidden(review=review, hidden=True, by=superuser, reason="spam link")
    product_set_hidden(product=delivered.items.get().product, hidden=True, by=superuser, reason="counterfeit")
    vendor_status_change(vendor=vendor_a, to_status="suspended", reason="checking", by=superuser)
    Dispute.objects.create(stripe_dispute_id="dp_1", checkout=placed_checkout, amount=Decimal("5.00"), currency="USD",
                           reason="fraudulent", status="needs_response")  # fmt: skip
    ReconciliationIssue.objects.create(day=date(2026, 11, 1), kind="charge", stripe_id="ch_x",
                                       problem="amount_differs", ledger_amount=Decimal("1.00"),
                                       stripe_amount=Decimal("2.00"), currency="USD")  # fmt: skip
    ConnectIncident.objects.create(stripe_event_id="evt_c", kind="payout_failed", stripe_id="po_1", vendor=vendor_a,
                                   order=order, amount=Decimal("9.00"), currency="USD")  # fmt: skip
    StripeEvent.objects.create(event_id="evt_x", type="charge.refunded", payload={"id": "evt_x"}, error="boom")
    ApiToken.objects.create(user=shopper, name="laptop", key_hash="0" * 64, key_prefix="abc")
    Group.objects.create(name="smoke-test group").permissions.add(Permission.objects.get(codename="view_order"))
    TOTP.activate(shopper, SECRET)  # an authenticator, for allauth's admin
    return placed_checkout


def _ok(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response


def test_every_registered_model_renders_with_search_filters_and_change_page(client, superuser, marketplace_rows):
    client.force_login(superuser)
    empty = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = _ok(client, changelist)
        if model_admin.search_fields:
            _ok(client, f"{changelist}?q=a")
        cl = response.context["cl"]
        for spec in cl.filter_specs:
            for choice in list(spec.choices(cl))[:5]:
                _ok(client, f"{changelist}{choice['query_string']}")
        first = model_admin.get_queryset(response.wsgi_request).order_by("pk").first()
        if first is not None:
            _ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
        else:
            empty.append(opts.label)
        if isinstance(model_admin, CsvExportMixin):
            export = _ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_export"))
            assert b"".join(export.streaming_content)
    assert not empty  # the rows above reach every list, so every change page was rendered


def test_order_page_links_to_checkout_shop_owner_and_payment_events(client, superuser, marketplace_rows):
    client.force_login(superuser)
    order = marketplace_rows.orders.order_by("pk").first()
    page = _ok(client, reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert reverse("admin:checkout_checkout_change", args=[order.checkout_id]) in page
    assert reverse("admin:vendors_vendor_change", args=[order.vendor_id]) in page
    assert reverse("admin:accounts_user_change", args=[order.vendor.owner_id]) in page
    assert f"{reverse('admin:checkout_paymentrecord_changelist')}?checkout__id__exact={order.checkout_id}" in page
    # Inlines: status history, items, the refund, ledger lines.
    for text in ("Paid", "Refunded", "Platform fee", order.items.first().title):
        assert text in page
    # Nothing about money is editable: no input for the total or the transfer id.
    assert 'name="total"' not in page and 'name="transfer_id"' not in page


def test_checkout_page_shows_its_orders_and_payment_events(client, superuser, marketplace_rows):
    client.force_login(superuser)
    page = _ok(client, reverse("admin:checkout_checkout_change", args=[marketplace_rows.pk])).content.decode()
    for order in marketplace_rows.orders.all():
        assert reverse("admin:orders_order_change", args=[order.pk]) in page
        assert order.transfer_id in page
    assert marketplace_rows.payment_intent_id in page


def test_shop_page_links_to_owner_and_its_orders(client, superuser, marketplace_rows, vendor_a):
    client.force_login(superuser)
    page = _ok(client, reverse("admin:vendors_vendor_change", args=[vendor_a.pk])).content.decode()
    orders_url = f"{reverse('admin:orders_order_changelist')}?vendor__id__exact={vendor_a.pk}"
    assert orders_url in page
    listed = _ok(client, orders_url).content.decode()
    assert all(o.number in listed for o in Order.objects.filter(vendor=vendor_a))
    assert not any(o.number in listed for o in Order.objects.exclude(vendor=vendor_a))
    user_page = _ok(client, reverse("admin:accounts_user_change", args=[vendor_a.owner_id])).content.decode()
    assert f"{reverse('admin:vendors_vendor_changelist')}?owner__id__exact={vendor_a.owner_id}" in user_page


# --- CSV export -----------------------------------------------------------------------------------------


def _rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_is_what_the_staff_member_filtered(client, superuser, marketplace_rows):
    client.force_login(superuser)
    refunded = Order.objects.get(status="partially_refunded")
    url = reverse("admin:orders_order_export")
    rows = _rows(client.get(f"{url}?status__exact=partially_refunded"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["number", "checkout", "email"]
    assert [row[0] for row in body] == [refunded.number]
    record = dict(zip(header, body[0], strict=True))
    assert record["total"] == str(refunded.total) and record["platform fee"] == str(refunded.platform_fee)
    assert record["transfer id"] == refunded.transfer_id
    everything = _rows(client.get(url))
    assert len(everything) - 1 == Order.objects.count()
    # A search narrows it the same way.
    assert [r[0] for r in _rows(client.get(f"{url}?q={refunded.number}"))[1:]] == [refunded.number]


def test_the_changelist_offers_the_export_of_its_own_filters(client, superuser, marketplace_rows):
    client.force_login(superuser)
    page = _ok(client, reverse("admin:orders_order_changelist") + "?status__exact=paid").content.decode()
    assert f'href="{reverse("admin:orders_order_export")}?status__exact=paid"' in page


def test_money_is_plain_decimals_and_negative_amounts_stay_numbers(client, superuser, marketplace_rows):
    client.force_login(superuser)
    rows = _rows(client.get(reverse("admin:orders_ledgerentry_export") + "?kind__exact=refund"))
    header = rows[0]
    amounts = [dict(zip(header, row, strict=True))["amount"] for row in rows[1:]]
    assert amounts and all(Decimal(a) < 0 for a in amounts)
    assert all(a.startswith("-") and "." in a and "e" not in a.lower() for a in amounts)
    assert sorted(Decimal(a) for a in amounts) == sorted(
        LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)
    )


def test_text_a_spreadsheet_would_run_is_made_inert(client, superuser, marketplace_rows):
    client.force_login(superuser)
    rows = _rows(client.get(reverse("admin:reviews_review_export")))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["title"] == "'=SUM(A1:A9)"
    for dangerous in ("=1+1", "+1", "-1", "@SUM(1)", "\tx", "\rx"):
        assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell("plain") == "plain"
    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert csv_cell(Decimal("1E+2")) == "100"
    assert csv_cell(None) == "" and csv_cell(True) == "true"


def test_the_export_is_logged_and_needs_the_view_permission(client, superuser, marketplace_rows):
    url = reverse("admin:orders_order_export")
    nobody = _user("clerk@example.com", is_staff=True)
    client.force_login(nobody)
    assert client.get(url).status_code == 403
    assert "Export CSV" not in client.get(reverse("admin:index")).content.decode()
    nobody.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert client.get(url + "?status__exact=paid").status_code == 200
    entry = LogEntry.objects.get(user=nobody)
    assert entry.object_id is None and "status__exact=paid" in entry.change_message
    assert "CSV export of orders" in _ok(client, reverse("admin:index")).content.decode()  # recent actions
    client.logout()
    assert client.get(url).status_code == 302  # to sign-in


def test_a_bad_filter_is_a_400_not_a_500(client, superuser, marketplace_rows):
    client.force_login(superuser)
    assert client.get(reverse("admin:orders_order_export") + "?paid_at__gte=not-a-date").status_code == 400


# --- No N+1 on the big lists ----------------------------------------------------------------------------

BIG_LISTS = ["orders_order", "orders_ledgerentry", "checkout_checkout", "checkout_paymentrecord",
             "checkout_followup", "vendors_vendor", "catalog_product", "accounts_user", "reviews_review",
             "orders_orderrefund"]  # fmt: skip


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _sale(*, user, vendor) -> Order:
    """A paid order with a row in each big list: its follow-up, payment row, refund and review (and its
    ledger lines, written on payment)."""
    from django.utils import timezone

    from checkout.models import FollowUp, PaymentRecord
    from orders.models import OrderRefund
    from reviews.models import Review

    order = paid_order(user=user, vendor=vendor)
    item = order.items.get()
    FollowUp.objects.create(checkout=order.checkout, order=order, kind="transfer", next_attempt_at=timezone.now())
    PaymentRecord.objects.create(checkout=order.checkout, kind="succeeded", stripe_id="pi_x", amount=order.total)
    OrderRefund.objects.create(order=order, amount=Decimal("1.00"), request_key=refund_key_new(), by=user)
    Review.objects.create(order_item=item, product=item.product, vendor=vendor, author=user, rating=5, title="Good")
    return order


def test_big_lists_cost_the_same_queries_for_more_rows(client, superuser, shopper, vendor_a, vendor_b):
    client.force_login(superuser)
    _sale(user=shopper, vendor=vendor_a)
    urls = [reverse(f"admin:{name}_changelist") for name in BIG_LISTS]
    few = {url: _queries(client, url) for url in urls}
    for n in range(4):
        buyer = _user(f"buyer{n}@example.com")
        _sale(user=buyer, vendor=vendor_b if n % 2 else vendor_a)
        _sale(user=buyer, vendor=vendor_a if n % 2 else vendor_b)
    more = {url: _queries(client, url) for url in urls}
    assert more == few
