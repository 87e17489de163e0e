"""The daily reconciliation: the ledger against Stripe, for one day, every difference reported to staff.

For each kind of money movement (charges, refunds, transfers, transfer reversals) the objects of the
day are gathered from both sides: the ledger's entries written that day, and what Stripe reports for
that day (charges and refunds through the payments gateway, on the charges the day touched; transfers
and their reversals through the Connect gateway). Each object is then compared in full, whatever day
the other side wrote it (a refund made at 23:59:59 and booked at 00:00:01 is not a difference).

A difference is a ``ReconciliationIssue`` row (admin, read-only) and an ERROR log line, once per day,
object and problem: running a day again writes nothing new.
"""

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from marketplace.money import from_minor_units
from marketplace.payments_gateway import PaymentGatewayError, payments_gateway
from vendors.connect import ConnectError, connect_gateway

from .models import LedgerEntry, Order, OrderRefund, ReconciliationIssue

logger = logging.getLogger(__name__)

K = LedgerEntry.Kind
I = ReconciliationIssue.Kind  # noqa: E741
P = ReconciliationIssue.Problem
SHOP = LedgerEntry.Account.SHOP
# Stripe refunds that moved no money (or never will).
NO_MONEY = ("failed", "canceled")


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _ledger_sums(kind: str, ids) -> dict[str, Decimal]:
    """The shop-side ledger total per Stripe id, whenever written (a dashboard refund is split over orders)."""
    rows = (
        LedgerEntry.objects.filter(account=SHOP, kind=kind, stripe_id__in=ids)
        .values("stripe_id")
        .annotate(total=Sum("amount"))
    )
    return {row["stripe_id"]: abs(row["total"]) for row in rows}


def _day_ids(kind: str, start: datetime, end: datetime) -> set[str]:
    entries = LedgerEntry.objects.filter(account=SHOP, kind=kind, created_at__gte=start, created_at__lt=end)
    return set(entries.exclude(stripe_id="").values_list("stripe_id", flat=True))


def _compare(day, kind, ledger: dict[str, Decimal], stripe: dict[str, tuple[Decimal, str]], found: list) -> None:
    for stripe_id in sorted(set(ledger) | set(stripe)):
        ledger_amount = ledger.get(stripe_id)
        stripe_amount, currency = stripe.get(stripe_id, (None, ""))
        if stripe_amount is None:
            problem = P.MISSING_AT_STRIPE
        elif ledger_amount is None:
            problem = P.MISSING_IN_LEDGER
        elif ledger_amount != stripe_amount:
            problem = P.AMOUNT_DIFFERS
        else:
            continue
        found.append((kind, stripe_id, problem, ledger_amount, stripe_amount, currency))


def _charges(day, start, end, found) -> set[str]:
    """Charges of checkouts paid that day, and of sales booked that day; returns their ids."""
    # Through the orders (orders knows checkouts only as the orders' parent: checkout imports orders).
    paid = Order.objects.filter(checkout__paid_at__gte=start, checkout__paid_at__lt=end)
    ids = set(paid.exclude(checkout__charge_id="").values_list("checkout__charge_id", flat=True))
    sales = LedgerEntry.objects.filter(account=SHOP, kind=K.SALE)
    ids |= set(
        sales.filter(created_at__gte=start, created_at__lt=end)
        .exclude(order__checkout__charge_id="")
        .values_list("order__checkout__charge_id", flat=True)
    )
    ledger = {
        row["order__checkout__charge_id"]: row["total"]
        for row in sales.filter(order__checkout__charge_id__in=ids)
        .values("order__checkout__charge_id")
        .annotate(total=Sum("amount"))
    }
    stripe = {}
    gateway = payments_gateway()
    for charge_id in ids:
        try:
            charge = gateway.charge_retrieve(charge_id)
        except PaymentGatewayError as exc:
            if not exc.not_found:
                raise
            continue
        if charge.status == "succeeded":
            stripe[charge_id] = (charge.amount(), charge.currency)
    _compare(day, I.CHARGE, ledger, stripe, found)
    return ids


def _refunds(day, start, end, charge_ids: set[str], found) -> None:
    ledger_ids = _day_ids(K.REFUND, start, end)
    # The charges the day's refunds are on, ours and Stripe's: their refunds are listed at Stripe.
    charges = set(charge_ids) | set(
        OrderRefund.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(order__checkout__charge_id="")
        .values_list("order__checkout__charge_id", flat=True)
    )
    charges |= set(
        LedgerEntry.objects.filter(kind=K.REFUND, stripe_id__in=ledger_ids).values_list(
            "order__checkout__charge_id", flat=True
        )
    )
    gateway = payments_gateway()
    listed = {}
    for charge_id in charges - {""}:
        for refund in gateway.refunds_for_charge(charge_id):
            listed[refund.id] = refund
    stripe = {}
    day_ids = set(ledger_ids)
    for refund in listed.values():
        if refund.status in NO_MONEY or "checkout_id" in refund.metadata:
            # A checkout's own refund (a late or double payment given back) isn't an order's money.
            continue
        stripe[refund.id] = (refund.amount(), refund.currency)
        if start.timestamp() <= refund.created < end.timestamp():
            day_ids.add(refund.id)
    _compare(day, I.REFUND, _ledger_sums(K.REFUND, day_ids), {k: stripe[k] for k in day_ids if k in stripe}, found)


def _transfers(day, start, end, found) -> None:
    gateway = connect_gateway()
    transfers = {
        t.id: t for t in gateway.transfers_list(created_from=int(start.timestamp()), created_to=int(end.timestamp()))
    }
    transfer_ids = set(transfers) | _day_ids(K.TRANSFER, start, end)
    reversal_ids = _day_ids(K.TRANSFER_REVERSAL, start, end)
    # The transfers the day's reversals came from, so that their reversals are read too.
    transfer_ids_for_reversals = set(
        LedgerEntry.objects.filter(kind=K.TRANSFER_REVERSAL, stripe_id__in=reversal_ids)
        .exclude(order__transfer_id="")
        .values_list("order__transfer_id", flat=True)
    )
    # And of the orders refunded that day: a reversal Stripe made whose booking here was lost shows up there.
    transfer_ids_for_reversals |= set(
        OrderRefund.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(order__transfer_id="")
        .values_list("order__transfer_id", flat=True)
    )
    for transfer_id in (transfer_ids | transfer_ids_for_reversals) - set(transfers):
        try:
            transfers[transfer_id] = gateway.transfer_retrieve(transfer_id=transfer_id)
        except ConnectError as exc:
            if exc.retryable:
                raise
    stripe_transfers = {}
    stripe_reversals = {}
    for transfer in transfers.values():
        stripe_transfers[transfer.id] = (from_minor_units(transfer.amount_minor, transfer.currency), transfer.currency)
        for reversal in transfer.reversals:
            stripe_reversals[reversal.id] = (
                from_minor_units(reversal.amount_minor, reversal.currency),
                reversal.currency,
            )
            if start.timestamp() <= reversal.created < end.timestamp():
                reversal_ids.add(reversal.id)
    _compare(
        day,
        I.TRANSFER,
        _ledger_sums(K.TRANSFER, transfer_ids),
        {k: stripe_transfers[k] for k in transfer_ids if k in stripe_transfers},
        found,
    )
    _compare(
        day,
        I.TRANSFER_REVERSAL,
        _ledger_sums(K.TRANSFER_REVERSAL, reversal_ids),
        {k: stripe_reversals[k] for k in reversal_ids if k in stripe_reversals},
        found,
    )


def reconcile_day(*, day: date) -> list[ReconciliationIssue]:
    """Compare the ledger with Stripe for ``day`` (local time); store and log every difference. Safe to run again.

    Returns the day's issues (new or found before). Raises the gateways' errors when Stripe can't be read
    (the task retries), so that an unreadable Stripe never passes for a clean day.
    """
    start, end = _bounds(day)
    found: list = []
    charge_ids = _charges(day, start, end, found)
    _refunds(day, start, end, charge_ids, found)
    _transfers(day, start, end, found)
    for kind, stripe_id, problem, ledger_amount, stripe_amount, currency in found:
        issue, created = ReconciliationIssue.objects.get_or_create(
            day=day,
            kind=kind,
            stripe_id=stripe_id,
            problem=problem,
            defaults={"ledger_amount": ledger_amount, "stripe_amount": stripe_amount, "currency": currency},
        )
        if created:
            logger.error(
                "Reconciliation %s: %s %s %s (ledger %s, Stripe %s %s)",
                day, kind, stripe_id, issue.get_problem_display(), ledger_amount, stripe_amount, currency,
            )  # fmt: skip
    return list(ReconciliationIssue.objects.filter(day=day))


class ReconciliationIssueError(Exception):
    """The issue can't be resolved so; the message is for the staff member."""


def reconciliation_issue_resolve(*, issue_id: int, by, note: str) -> bool:
    """Staff say what they did about a difference: the issue leaves the open list, with who, when and the note.

    Under the issue's row lock: a double click resolves it once (the second returns False and keeps the
    first note). A later run of the same day finds the same difference and leaves it resolved.
    """
    note = " ".join(note.split())[:300]
    if not note:
        raise ReconciliationIssueError("Write a note saying what was done about it.")
    with transaction.atomic():
        issue = ReconciliationIssue.objects.select_for_update().get(pk=issue_id)
        if issue.resolved_at is not None:
            return False
        issue.resolved_at = timezone.now()
        issue.resolved_by = by
        issue.resolution_note = note
        issue.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    logger.info("Reconciliation issue %s resolved by %s: %s", issue_id, getattr(by, "pk", None), note)
    return True
