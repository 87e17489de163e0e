"""Orders' part of the staff operations page (``marketplace.operations``): orders past their processing time,
open disputes, and the reconciliation's differences (amount mismatches apart)."""

from datetime import timedelta

from django.urls import reverse

from marketplace.operations import (
    ITEMS_SHOWN,
    Action,
    AlreadyDone,
    Item,
    Kind,
    Link,
    OperationRefused,
    operations_register,
)

from .housekeeping import order_shop_nudge
from .models import Order, OrderRefund, ReconciliationIssue
from .reconciliation import ReconciliationIssueError, reconciliation_issue_resolve
from .refunds import order_cancel
from .selectors import open_disputes, orders_past_processing_time, reconciliation_issues_open
from .services import OrderError


def _change(model: str, pk) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def _order_links(order: Order) -> tuple[Link, ...]:
    return (
        Link(f"Order {order.number}", _change("orders_order", order.pk)),
        Link(f"Checkout {order.checkout_id}", _change("checkout_checkout", order.checkout_id)),
        Link(f"Shop {order.vendor.name}", _change("vendors_vendor", order.vendor_id)),
    )


def _due(order: Order):
    return order.paid_at + timedelta(days=order.vendor.processing_days)


def _overdue() -> list[Item]:
    return [
        Item(
            target=str(order.pk),
            title=f"Order {order.number} at {order.vendor.name} ({order.total} {order.currency})",
            detail=f"{order.get_status_display()}, due {_due(order):%Y-%m-%d %H:%M}"
            + (f"; shop reminded {order.shop_reminded_at:%Y-%m-%d %H:%M}" if order.shop_reminded_at else ""),
            when=order.paid_at,
            links=_order_links(order),
        )
        for order in orders_past_processing_time().select_related("vendor").order_by("paid_at", "pk")[: ITEMS_SHOWN + 1]
    ]


def _order_id(target: str) -> int:
    if not target.isdigit():
        raise OperationRefused("No such order.")
    return int(target)


def _nudge(*, target: str, by, note: str) -> str:
    if not order_shop_nudge(order_id=_order_id(target)):
        raise AlreadyDone("The shop was reminded less than an hour ago (or the order moved on); no email sent.")
    return "The shop was emailed about the order."


def _cancel(*, target: str, by, note: str) -> str:
    order = Order.objects.filter(pk=_order_id(target)).first()
    if order is None:
        raise OperationRefused("No such order.")
    # One key per attempt: a double click repeats the key and cancels once; after a failed try the next
    # click is a new attempt.
    failed = OrderRefund.objects.filter(order=order, status=OrderRefund.Status.FAILED).count()
    key = f"ops-cancel-{order.pk}-{failed}"
    if OrderRefund.objects.filter(order=order, request_key=key, status=OrderRefund.Status.SUCCEEDED).exists():
        raise AlreadyDone(f"Order {order.number} was cancelled already; nothing refunded again.")
    try:
        refund = order_cancel(order=order, by=by, request_key=key, reason=note or "past its processing time")
    except OrderError as exc:
        raise OperationRefused(str(exc)) from exc
    if refund.status != OrderRefund.Status.SUCCEEDED:
        raise OperationRefused(f"Order {order.number}: the refund is {refund.get_status_display().lower()}.")
    return f"Order {order.number} cancelled; {refund.amount} {order.currency} refunded to the buyer."


def _order(target: str):
    return Order.objects.filter(pk=target).first() if target.isdigit() else None


def _disputes() -> list[Item]:
    items = []
    for dispute in open_disputes().select_related("checkout").order_by("created_at", "pk")[: ITEMS_SHOWN + 1]:
        orders = reverse("admin:orders_order_changelist") + f"?checkout__id__exact={dispute.checkout_id}"
        items.append(
            Item(
                target=str(dispute.pk),
                title=f"Dispute {dispute.stripe_dispute_id}: {dispute.amount} {dispute.currency}",
                detail=f"{dispute.status.replace('_', ' ')}; reason: {dispute.reason or 'none given'}. "
                "Answer it with evidence in Stripe's dashboard.",
                when=dispute.created_at,
                links=(
                    Link("Dispute", _change("orders_dispute", dispute.pk)),
                    Link(f"Checkout {dispute.checkout_id}", _change("checkout_checkout", dispute.checkout_id)),
                    Link("Its orders", orders),
                    Link("At Stripe", f"https://dashboard.stripe.com/disputes/{dispute.stripe_dispute_id}"),
                ),
            )
        )
    return items


def _issues(*, amounts: bool) -> list[Item]:
    return [
        Item(
            target=str(issue.pk),
            title=f"{issue.get_kind_display()} {issue.stripe_id}: {issue.get_problem_display()}",
            detail=f"day {issue.day}; ledger {issue.ledger_amount if issue.ledger_amount is not None else '—'}, "
            f"Stripe {issue.stripe_amount if issue.stripe_amount is not None else '—'} {issue.currency}",
            when=issue.created_at,
            links=(Link("Issue", _change("orders_reconciliationissue", issue.pk)),),
        )
        for issue in reconciliation_issues_open(amounts=amounts)[: ITEMS_SHOWN + 1]
    ]


def _resolve(*, target: str, by, note: str) -> str:
    if not target.isdigit() or not ReconciliationIssue.objects.filter(pk=target).exists():
        raise OperationRefused("No such issue.")
    try:
        resolved = reconciliation_issue_resolve(issue_id=int(target), by=by, note=note)
    except ReconciliationIssueError as exc:
        raise OperationRefused(str(exc)) from exc
    if not resolved:
        raise AlreadyDone("It was resolved already; the first note stays.")
    return "Marked resolved."


def _issue(target: str):
    return ReconciliationIssue.objects.filter(pk=target).first() if target.isdigit() else None


_RESOLVE = Action(
    "resolve", "Mark resolved", "orders.change_reconciliationissue", _resolve, log_object=_issue, needs_note=True
)
_ISSUES = "admin:orders_reconciliationissue_changelist"

operations_register(
    Kind(
        key="overdue",
        title="Orders past their processing time",
        help="Paid, not shipped, older than the shop's processing days. Nudge the shop (an email, at most one an "
        "hour), or cancel the order: the buyer is refunded in full.",
        view_permission="orders.view_order",
        items=_overdue,
        actions=(
            Action("nudge", "Nudge the shop", "orders.change_order", _nudge, log_object=_order),
            # Cancelling refunds the buyer: the finance role's own permission (marketplace/staff_roles.py).
            Action("cancel", "Cancel and refund", "orders.cancel_order", _cancel, log_object=_order),
        ),
        changelist=lambda: reverse("admin:orders_order_changelist") + "?overdue=yes",
        order=40,
    )
)
operations_register(
    Kind(
        key="disputes",
        title="Open disputes",
        help="The buyer's bank is disputing a charge; the shops have been told. Respond at Stripe.",
        view_permission="orders.view_dispute",
        items=_disputes,
        changelist=lambda: reverse("admin:orders_dispute_changelist"),
        order=20,
    )
)
operations_register(
    Kind(
        key="amount_mismatches",
        title="Amount mismatches",
        help="The ledger and Stripe disagree on how much a charge, refund or transfer was.",
        view_permission="orders.view_reconciliationissue",
        items=lambda: _issues(amounts=True),
        actions=(_RESOLVE,),
        changelist=lambda: reverse(_ISSUES) + "?problem__exact=amount_differs&open=yes",
        order=25,
    )
)
operations_register(
    Kind(
        key="reconciliation",
        title="Reconciliation differences",
        help="Money movements found on one side only (at Stripe and not in the ledger, or the other way).",
        view_permission="orders.view_reconciliationissue",
        items=lambda: _issues(amounts=False),
        actions=(_RESOLVE,),
        changelist=lambda: reverse(_ISSUES) + "?open=yes",
        order=26,
    )
)
