"""The operations page (``admin:operations``): each kind of trouble is listed, each action works once, and only
for staff holding its permission."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from checkout.followups import followup_transfer
from checkout.models import Checkout, FollowUp, PaymentRecord
from checkout.payments import checkout_sync_payment
from checkout.tests.conftest import card_pay, event
from conftest import _user
from marketplace.models import StripeEvent
from marketplace.tests.concurrency import run_at_once
from orders.models import Dispute, Order, OrderRefund, ReconciliationIssue
from orders.tests.conftest import placed_checkout, webhook_secret  # noqa: F401 (fixtures used by name)
from orders.tests.factories import paid_order
from vendors.models import SimulatedTransfer

pytestmark = pytest.mark.django_db

URL = str(reverse_lazy("admin:operations"))  # wherever the admin is mounted


def _staff_with(email: str, *perms: str):
    user = _user(email, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


VIEW_ALL = ("checkout.view_followup", "checkout.view_paymentrecord", "orders.view_order", "orders.view_dispute",
            "orders.view_reconciliationissue", "marketplace.view_stripeevent")  # fmt: skip


@pytest.fixture
def support(db):
    """Sees every list, may resolve nothing."""
    return _staff_with("support@example.com", *VIEW_ALL)


@pytest.fixture
def finance(db):
    return _staff_with(
        "finance@example.com", *VIEW_ALL, "checkout.change_followup", "orders.change_reconciliationissue",
        "orders.change_order", "orders.cancel_order", "marketplace.change_stripeevent",
    )  # fmt: skip


def _post(client, kind: str, action: str, target, note: str = ""):
    return client.post(URL, {"kind": kind, "action": action, "target": str(target), "note": note})


def _section(page: str, key: str) -> str:
    start = page.index(f'id="{key}"')
    return page[start : page.find("</section>", start)]


# --- Who sees the page ----------------------------------------------------------------------------------


def test_anonymous_and_shoppers_are_sent_to_sign_in(client, shopper):
    assert client.get(URL).status_code == 302
    client.force_login(shopper)
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    assert _post(client, "webhooks", "reprocess", 1).status_code == 302


def test_the_admin_index_links_to_the_page(client, support):
    client.force_login(support)
    assert URL.endswith("/operations/")
    assert f'href="{URL}"' in client.get(reverse("admin:index")).content.decode()


def test_staff_without_view_permissions_see_no_lists(client):
    client.force_login(_staff_with("bare@example.com"))
    page = client.get(URL).content.decode()
    assert "may see none of these lists" in page


def test_an_unknown_action_changes_nothing(client, finance):
    client.force_login(finance)
    response = _post(client, "transfers", "delete_everything", 1)
    assert response.status_code == 302
    assert "Unknown action" in client.get(URL).content.decode()


# --- Transfers that failed for good ---------------------------------------------------------------------


@pytest.fixture
def failed_transfers(placed_checkout, settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr("checkout.followups._enqueue", lambda checkout_id: None)  # the task after commit: not here
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)  # on-commit work not run here
    settings.STRIPE_CONNECT_SIMULATED = False  # localstripe has no transfers endpoint: every try fails
    orders = list(Order.objects.filter(checkout=placed_checkout).order_by("pk"))
    for order in orders:
        followup_transfer(order_id=order.pk, last_try=True)
    settings.STRIPE_CONNECT_SIMULATED = True  # the shop fixed its account; Connect works again
    assert set(FollowUp.objects.filter(kind="transfer").values_list("status", flat=True)) == {"failed"}
    return orders


def test_failed_transfers_are_listed_with_links(client, support, failed_transfers):
    client.force_login(support)
    section = _section(client.get(URL).content.decode(), "transfers")
    for order in failed_transfers:
        assert f"Transfer of order {order.number}" in section
        assert reverse("admin:orders_order_change", args=[order.pk]) in section
        assert reverse("admin:vendors_vendor_change", args=[order.vendor_id]) in section
    assert ">Retry the transfer</button>" not in section  # support may not move money


def test_support_cannot_retry_a_transfer_even_with_a_forged_post(client, support, failed_transfers):
    client.force_login(support)
    row = FollowUp.objects.get(kind="transfer", order=failed_transfers[0])
    assert _post(client, "transfers", "retry", row.pk).status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"
    assert not SimulatedTransfer.objects.exists()


def test_finance_retries_a_transfer_once_however_often_clicked(client, finance, failed_transfers):
    client.force_login(finance)
    order = failed_transfers[0]
    row = FollowUp.objects.get(kind="transfer", order=order)
    assert _post(client, "transfers", "retry", row.pk).status_code == 302
    assert _post(client, "transfers", "retry", row.pk).status_code == 302  # the double click
    order.refresh_from_db()
    row.refresh_from_db()
    assert row.status == "done" and order.transfer_id.startswith("tr_sim_")
    assert SimulatedTransfer.objects.count() == 1
    assert PaymentRecord.objects.filter(kind="transfer", stripe_id=order.transfer_id).count() == 1
    page = client.get(URL).content.decode()
    assert "Already retried" in page
    assert f"Transfer of order {order.number}" not in _section(page, "transfers")
    assert f"Transfer of order {failed_transfers[1].number}" in _section(page, "transfers")
    log = LogEntry.objects.get(user=finance, object_id=str(row.pk))
    assert "Retry the transfer" in log.change_message


def test_a_retry_that_fails_again_stays_listed(client, finance, failed_transfers, settings):
    client.force_login(finance)
    settings.STRIPE_CONNECT_SIMULATED = False
    row = FollowUp.objects.get(kind="transfer", order=failed_transfers[0])
    _post(client, "transfers", "retry", row.pk)
    row.refresh_from_db()
    assert row.status == "failed"
    assert "failed again" in client.get(URL).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_staff_retrying_at_the_same_moment_transfer_once(failed_transfers, finance):
    from marketplace.operations import operations_perform

    row = FollowUp.objects.get(kind="transfer", order=failed_transfers[0])
    outcomes = run_at_once(
        lambda: operations_perform(user=finance, kind_key="transfers", action_name="retry", target=str(row.pk)), 2
    )
    assert sorted(outcomes) == ["Already retried (or done); nothing sent again.", "Retried: done."]
    assert SimulatedTransfer.objects.count() == 1


# --- Stripe events whose handling failed ----------------------------------------------------------------


@pytest.fixture
def failed_event(placed_checkout):  # noqa: F811
    card_pay(placed_checkout)
    payload = event("payment_intent.succeeded", {"id": placed_checkout.payment_intent_id}, event_id="evt_failed")
    return StripeEvent.objects.create(
        event_id="evt_failed", type=payload["type"], payload=payload, error="Stripe unreachable (timed out)"
    )


def test_a_failed_event_is_reprocessed_once(client, finance, failed_event, django_capture_on_commit_callbacks):
    client.force_login(finance)
    assert "evt_failed" in _section(client.get(URL).content.decode(), "webhooks")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "webhooks", "reprocess", failed_event.pk)
        _post(client, "webhooks", "reprocess", failed_event.pk)
    failed_event.refresh_from_db()
    assert failed_event.processed_at is not None and failed_event.error == ""
    assert Checkout.objects.get(payment_intent_id=failed_event.payload["data"]["object"]["id"]).status == "paid"
    assert PaymentRecord.objects.filter(kind="succeeded").count() == 1
    page = client.get(URL).content.decode()
    assert "Event was already handled" in page
    assert "evt_failed" not in _section(page, "webhooks")


def test_support_cannot_reprocess_an_event(client, support, failed_event):
    client.force_login(support)
    assert ">Reprocess</button>" not in _section(client.get(URL).content.decode(), "webhooks")
    assert _post(client, "webhooks", "reprocess", failed_event.pk).status_code == 403
    failed_event.refresh_from_db()
    assert failed_event.processed_at is None


def test_an_event_that_fails_again_keeps_its_new_error(client, finance, db):
    client.force_login(finance)
    payload = event("payment_intent.succeeded", {"id": "pi_nobody"}, event_id="evt_bad")
    payload["data"] = "not an object"  # the handler can't read it
    stored = StripeEvent.objects.create(event_id="evt_bad", type=payload["type"], payload=payload, error="earlier")
    _post(client, "webhooks", "reprocess", stored.pk)
    stored.refresh_from_db()
    assert stored.processed_at is None and stored.error.startswith("AttributeError")
    assert "Failed again" in client.get(URL).content.decode()


# --- Reconciliation differences and amount mismatches ---------------------------------------------------


@pytest.fixture
def issues(db):
    mismatch = ReconciliationIssue.objects.create(
        day=date(2026, 11, 1), kind="charge", stripe_id="ch_mismatch", problem="amount_differs",
        ledger_amount=Decimal("20.00"), stripe_amount=Decimal("21.00"), currency="USD",
    )  # fmt: skip
    missing = ReconciliationIssue.objects.create(
        day=date(2026, 11, 1), kind="refund", stripe_id="re_missing", problem="missing_in_ledger",
        stripe_amount=Decimal("5.00"), currency="USD",
    )  # fmt: skip
    return mismatch, missing


def test_issues_are_listed_by_kind(client, support, issues):
    client.force_login(support)
    page = client.get(URL).content.decode()
    assert "ch_mismatch" in _section(page, "amount_mismatches") and "re_missing" not in _section(
        page, "amount_mismatches"
    )
    assert "re_missing" in _section(page, "reconciliation") and "ch_mismatch" not in _section(page, "reconciliation")
    assert ">Mark resolved</button>" not in page


def test_resolving_needs_a_note_and_happens_once(client, finance, issues):
    mismatch, _ = issues
    client.force_login(finance)
    _post(client, "amount_mismatches", "resolve", mismatch.pk, note="   ")
    mismatch.refresh_from_db()
    assert mismatch.resolved_at is None
    _post(client, "amount_mismatches", "resolve", mismatch.pk, note="Stripe fee adjustment; booked by hand")
    _post(client, "amount_mismatches", "resolve", mismatch.pk, note="second click")
    mismatch.refresh_from_db()
    assert mismatch.resolved_by == finance and mismatch.resolution_note == "Stripe fee adjustment; booked by hand"
    page = client.get(URL).content.decode()
    assert "resolved already" in page
    assert "ch_mismatch" not in _section(page, "amount_mismatches")
    assert LogEntry.objects.filter(object_id=str(mismatch.pk), user=finance).count() == 1


def test_support_cannot_resolve_an_issue(client, support, issues):
    client.force_login(support)
    assert _post(client, "reconciliation", "resolve", issues[1].pk, note="looks fine").status_code == 403
    issues[1].refresh_from_db()
    assert issues[1].resolved_at is None


# --- Disputes and payment alerts ------------------------------------------------------------------------


def test_open_disputes_link_to_the_dispute_and_the_orders(client, support, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    open_one = Dispute.objects.create(
        stripe_dispute_id="dp_open", checkout=order.checkout, amount=Decimal("20.00"), currency="USD",
        reason="fraudulent", status="needs_response",
    )  # fmt: skip
    Dispute.objects.create(stripe_dispute_id="dp_won", checkout=order.checkout, amount=Decimal("1.00"), currency="USD",
                           status="won")  # fmt: skip
    client.force_login(support)
    page = client.get(URL).content.decode()
    section = _section(page, "disputes")
    assert "dp_open" in section and "dp_won" not in section
    assert reverse("admin:orders_dispute_change", args=[open_one.pk]) in section
    orders_url = reverse("admin:orders_order_changelist") + f"?checkout__id__exact={order.checkout_id}"
    assert orders_url in section
    assert order.number in client.get(orders_url).content.decode()


def test_payment_alerts_of_the_last_month_are_listed(client, support, shopper, vendor_a):
    order = paid_order(user=shopper, vendor=vendor_a)
    PaymentRecord.objects.create(checkout=order.checkout, kind="alert", stripe_id="pi_x",
                                 detail="amount paid differs from the order; refunded in full")  # fmt: skip
    client.force_login(support)
    assert "amount paid differs" in _section(client.get(URL).content.decode(), "payment_alerts")


# --- Orders past their processing time ------------------------------------------------------------------


def _overdue(order: Order, days: int = 10) -> Order:
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days))
    return order


def test_only_orders_past_their_shops_processing_time_are_listed(client, support, shopper, vendor_a, vendor_b):
    late = _overdue(paid_order(user=shopper, vendor=vendor_a), days=vendor_a.processing_days + 1)
    on_time = _overdue(paid_order(user=shopper, vendor=vendor_b), days=max(vendor_b.processing_days - 1, 0))
    client.force_login(support)
    section = _section(client.get(URL).content.decode(), "overdue")
    assert late.number in section and on_time.number not in section
    assert ">Nudge the shop</button>" not in section and ">Cancel and refund</button>" not in section
    full_list = client.get(reverse("admin:orders_order_changelist") + "?overdue=yes").content.decode()
    assert late.number in full_list and on_time.number not in full_list


def test_a_nudge_emails_the_shop_once_per_hour(client, finance, shopper, vendor_a, django_capture_on_commit_callbacks):
    order = _overdue(paid_order(user=shopper, vendor=vendor_a))
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "overdue", "nudge", order.pk)
        _post(client, "overdue", "nudge", order.pk)
    assert [m.to for m in mail.outbox] == [[vendor_a.owner.email]]
    assert order.number in mail.outbox[0].body
    assert "less than an hour ago" in client.get(URL).content.decode()


def test_support_cannot_nudge_or_cancel(client, support, shopper, vendor_a):
    order = _overdue(paid_order(user=shopper, vendor=vendor_a))
    client.force_login(support)
    assert _post(client, "overdue", "nudge", order.pk).status_code == 403
    assert _post(client, "overdue", "cancel", order.pk).status_code == 403
    order.refresh_from_db()
    assert order.shop_reminded_at is None and order.status == "paid"


def test_cancelling_an_overdue_order_refunds_it_once(client, placed_checkout, django_capture_on_commit_callbacks):  # noqa: F811
    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    order = _overdue(placed_checkout.orders.order_by("pk").first())
    # Cancelling moves money back: the order permission alone isn't enough.
    nudger = _staff_with("nudger@example.com", *VIEW_ALL, "orders.change_order")
    client.force_login(nudger)
    assert _post(client, "overdue", "cancel", order.pk).status_code == 403
    client.force_login(_staff_with("fin@example.com", *VIEW_ALL, "orders.cancel_order"))
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "overdue", "cancel", order.pk)
        _post(client, "overdue", "cancel", order.pk)
    order.refresh_from_db()
    assert order.status == "cancelled"
    refund = OrderRefund.objects.get(order=order)
    assert refund.status == "succeeded" and refund.amount == order.total
    page = client.get(URL).content.decode()
    assert "cancelled already" in page
    assert order.number not in _section(page, "overdue")


def test_a_nudge_for_an_order_shipped_meanwhile_sends_nothing(
    client, finance, shopper, vendor_a, django_capture_on_commit_callbacks
):
    from orders.services import order_mark_shipped

    order = _overdue(paid_order(user=shopper, vendor=vendor_a))
    order_mark_shipped(order=order, by=vendor_a.owner, carrier="Royal Mail", tracking_number="RM9")  # the late
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "overdue", "nudge", order.pk)
    assert not [m for m in mail.outbox if "waiting to ship" in m.subject]
    assert not LogEntry.objects.filter(user=finance).exists()


def test_an_action_on_a_missing_item_changes_nothing(client, finance):
    client.force_login(finance)
    for kind, action in (("overdue", "cancel"), ("amount_mismatches", "resolve"), ("webhooks", "reprocess")):
        assert _post(client, kind, action, 999999, note="n").status_code == 302
        assert _post(client, kind, action, "x; drop", note="n").status_code == 302
    assert not LogEntry.objects.exists()
    assert "No such" in client.get(URL).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_staff_cancelling_at_the_same_moment_refund_once(placed_checkout, finance):  # noqa: F811
    from marketplace.operations import operations_perform

    card_pay(placed_checkout)
    checkout_sync_payment(intent_id=placed_checkout.payment_intent_id)
    order = _overdue(placed_checkout.orders.order_by("pk").first())
    run_at_once(lambda: operations_perform(user=finance, kind_key="overdue", action_name="cancel",
                                           target=str(order.pk)), 2)  # fmt: skip
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert OrderRefund.objects.filter(order=order).count() == 1
    assert PaymentRecord.objects.filter(checkout=placed_checkout, kind="refund").count() <= 1


def test_a_failed_connect_event_is_reprocessed_by_the_connect_handler(client, finance, vendor_a):
    # The payments handler ignores payout.failed: an incident shows the event went to the Connect endpoint's.
    from orders.models import ConnectIncident

    payout = {"id": "po_fail", "object": "payout", "amount": 4210, "currency": "usd", "failure_code": "account_closed"}
    payload = {"id": "evt_connect", "type": "payout.failed", "account": vendor_a.stripe_account_id,
               "data": {"object": payout}}  # fmt: skip
    stored = StripeEvent.objects.create(event_id="evt_connect", type="payout.failed", payload=payload,
                                        account=vendor_a.stripe_account_id, error="db restarting")  # fmt: skip
    client.force_login(finance)
    _post(client, "webhooks", "reprocess", stored.pk)
    stored.refresh_from_db()
    assert stored.processed_at is not None
    incident = ConnectIncident.objects.get(stripe_event_id="evt_connect")
    assert (incident.vendor, incident.amount) == (vendor_a, Decimal("42.10"))


def _page_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def _trouble(n: int, *, shopper, vendor) -> None:
    order = _overdue(paid_order(user=shopper, vendor=vendor))
    Dispute.objects.create(stripe_dispute_id=f"dp_{n}", checkout=order.checkout, amount=Decimal("1.00"),
                           currency="USD", status="needs_response")  # fmt: skip
    ReconciliationIssue.objects.create(day=date(2026, 11, 1), kind="charge", stripe_id=f"ch_{n}",
                                       problem="amount_differs", currency="USD")  # fmt: skip
    PaymentRecord.objects.create(checkout=order.checkout, kind="alert", stripe_id=f"pi_{n}", detail="late")
    StripeEvent.objects.create(event_id=f"evt_{n}", type="charge.refunded", payload={}, error="boom")
    from checkout.models import FollowUp

    FollowUp.objects.create(checkout=order.checkout, order=order, kind="transfer", status="failed",
                            next_attempt_at=timezone.now())  # fmt: skip


def test_the_page_costs_the_same_queries_for_more_items(client, finance, shopper, vendor_a, vendor_b):
    client.force_login(finance)
    _trouble(0, shopper=shopper, vendor=vendor_a)
    few = _page_queries(client)
    for n in range(1, 6):
        _trouble(n, shopper=_user(f"b{n}@example.com"), vendor=vendor_b if n % 2 else vendor_a)
    assert _page_queries(client) == few
    page = client.get(URL).content.decode()
    assert all(f"dp_{n}" in page and f"ch_{n}" in page and f"evt_{n}" in page for n in range(6))
    assert _section(page, "transfers").count("Transfer of order") == 6
    assert _section(page, "overdue").count("<tr data-target") == 6


@pytest.mark.django_db(transaction=True)
def test_two_staff_reprocessing_an_event_at_once_handle_it_once(failed_event, finance, monkeypatch):
    from marketplace.operations import operations_perform

    monkeypatch.setattr("checkout.followups._enqueue", lambda checkout_id: None)  # the payment's follow-ups: not here
    outcomes = run_at_once(
        lambda: operations_perform(user=finance, kind_key="webhooks", action_name="reprocess",
                                   target=str(failed_event.pk)), 2,
    )  # fmt: skip
    assert sorted(outcomes) == ["Event handled.", "Event was already handled; nothing done."]
    assert PaymentRecord.objects.filter(kind="succeeded").count() == 1
    assert LogEntry.objects.filter(object_id=str(failed_event.pk)).count() == 1
