"""Checkout's part of the staff operations page (``marketplace.operations``): transfers and emails that
failed for good, and the payment alerts of the last month."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

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

from .followups import followup_retry
from .models import FollowUp
from .selectors import followups_failed, payment_alerts

ALERTS_SINCE = timedelta(days=30)


def _change(model: str, pk) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def _followup_links(row: FollowUp) -> tuple[Link, ...]:
    links = [Link(f"Checkout {row.checkout_id}", _change("checkout_checkout", row.checkout_id))]
    if row.order_id:
        links.append(Link(f"Order {row.order.number}", _change("orders_order", row.order_id)))
        links.append(Link(f"Shop {row.order.vendor.name}", _change("vendors_vendor", row.order.vendor_id)))
    return tuple(links)


def _followup_title(row: FollowUp) -> str:
    if row.kind != FollowUp.Kind.TRANSFER:
        return f"{row.get_kind_display()} to {row.recipient}"
    order = row.order
    return f"Transfer of order {order.number} to {order.vendor.name} ({order.vendor_net} {order.currency})"


def _followups(*, transfers: bool) -> list[Item]:
    return [
        Item(
            target=str(row.pk),
            title=_followup_title(row),
            detail=f"{row.attempts} tries; last error: {row.last_error or '—'}",
            when=row.created_at,
            links=_followup_links(row),
        )
        for row in followups_failed(transfers=transfers)[: ITEMS_SHOWN + 1]
    ]


def _retry(*, target: str, by, note: str) -> str:
    if not target.isdigit():
        raise OperationRefused("No such follow-up.")
    status = followup_retry(followup_id=int(target))
    if status is None:
        raise AlreadyDone("Already retried (or done); nothing sent again.")
    if status == FollowUp.Status.DONE:
        return "Retried: done."
    row = FollowUp.objects.get(pk=target)
    raise OperationRefused(f"Retried, and it failed again: {row.last_error}")


def _followup(target: str):
    return FollowUp.objects.filter(pk=target).first() if target.isdigit() else None


def _alerts() -> list[Item]:
    return [
        Item(
            target=str(row.pk),
            title=f"Checkout {row.checkout_id} ({row.checkout.email})",
            detail=row.detail,
            when=row.created_at,
            links=(
                Link(f"Checkout {row.checkout_id}", _change("checkout_checkout", row.checkout_id)),
                Link(
                    "Payment audit",
                    reverse("admin:checkout_paymentrecord_changelist") + f"?checkout__id__exact={row.checkout_id}",
                ),
            ),
        )
        for row in payment_alerts(since=timezone.now() - ALERTS_SINCE)[: ITEMS_SHOWN + 1]
    ]


# Retrying a transfer moves money: the finance permission on follow-ups (checkout.change_followup).
operations_register(
    Kind(
        key="transfers",
        title="Transfers to shops that failed for good",
        help="Each shop's money after a payment, given up after its tries (or refused by Stripe). Retry once the "
        "shop's payouts account is fixed: the shop is paid once, however often this is clicked.",
        view_permission="checkout.view_followup",
        items=lambda: _followups(transfers=True),
        actions=(Action("retry", "Retry the transfer", "checkout.change_followup", _retry, log_object=_followup),),
        changelist=lambda: reverse("admin:checkout_followup_changelist") + "?status__exact=failed&kind__exact=transfer",
        order=10,
    )
)
operations_register(
    Kind(
        key="emails",
        title="Emails that failed for good",
        help="Receipts and new-order emails the mail provider refused every time.",
        view_permission="checkout.view_followup",
        items=lambda: _followups(transfers=False),
        actions=(Action("retry", "Send again", "checkout.change_followup", _retry, log_object=_followup),),
        changelist=lambda: reverse("admin:checkout_followup_changelist") + "?status__exact=failed",
        order=60,
    )
)
operations_register(
    Kind(
        key="payment_alerts",
        title="Payment alerts (last 30 days)",
        help="Payments that didn't match what was ordered, came twice or came late: each was refunded or kept "
        "automatically; check what happened and tell the shopper if needed.",
        view_permission="checkout.view_paymentrecord",
        items=_alerts,
        changelist=lambda: reverse("admin:checkout_paymentrecord_changelist") + "?kind__exact=alert",
        order=30,
    )
)
