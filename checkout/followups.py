"""What follows a payment: each shop's transfer, the shopper's receipt, each shop's new-order email.

The work is written down (``FollowUp`` rows) in the same transaction that marks the
checkout paid, then handed to Celery after commit. If the broker is down, or a
worker dies mid-task, nothing is lost: ``followups_run_due`` (Celery beat, every
minute, and the dev runner's scheduler) does whatever is still pending once its
``next_attempt_at`` has passed. Every side effect is claimed under the row's lock
and marked done in the same transaction, so a retried, duplicated or overlapping
run never repeats it: each recipient gets one email, each shop one transfer.
"""

import contextlib
import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from marketplace.emails import email_send, render_email
from marketplace.telemetry import telemetry_event
from orders.models import Order
from vendors.connect import ConnectError

from .models import Checkout, FollowUp, PaymentRecord
from .order_links import LINK_MAX_AGE, checkout_view_url
from .payouts import PAID_STATES, order_transfer

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# How long the task enqueued after commit has before the periodic job assumes it was lost.
GRACE = timedelta(minutes=5)


class ReceiptError(Exception):
    """A receipt that can't be sent again; the message is for the person."""


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _followups_create(*, checkout: Checkout, due: datetime) -> None:
    """The rows a paid checkout owes; existing ones are left as they are. Caller holds the checkout's lock."""
    # A late payment may have had some shops' orders cancelled and refunded: those are owed nothing.
    orders = list(
        Order.objects.filter(checkout=checkout, status__in=PAID_STATES).select_related("vendor__owner").order_by("pk")
    )
    rows = [FollowUp(checkout=checkout, kind=FollowUp.Kind.RECEIPT, recipient=checkout.email, next_attempt_at=due)]
    for order in orders:
        rows.append(FollowUp(checkout=checkout, order=order, kind=FollowUp.Kind.TRANSFER, next_attempt_at=due))
        rows.append(
            FollowUp(
                checkout=checkout,
                order=order,
                kind=FollowUp.Kind.SHOP_EMAIL,
                recipient=order.vendor.owner.email,
                next_attempt_at=due,
            )
        )
    FollowUp.objects.bulk_create(rows, ignore_conflicts=True)


def _enqueue(checkout_id: int) -> None:
    from . import tasks

    try:
        tasks.after_payment.delay(checkout_id)
    except (KombuError, OSError) as exc:
        # The rows are committed: the periodic job does the work once GRACE has passed.
        logger.warning("Couldn't enqueue the follow-ups of checkout %s (%s); the periodic job will", checkout_id, exc)


def checkout_paid_followups_schedule(*, checkout: Checkout) -> None:
    """Write down what the payment owes and hand it to Celery after commit.

    Caller is inside the transaction that marks the checkout paid and holds its row lock.
    """
    _followups_create(checkout=checkout, due=timezone.now() + GRACE)
    checkout_id = checkout.pk
    transaction.on_commit(lambda: _enqueue(checkout_id))


def _attempt_failed(row: FollowUp, exc: Exception, *, now: datetime, final: bool) -> None:
    row.attempts += 1
    row.last_error = str(exc)[:300]
    if final:
        row.status = FollowUp.Status.FAILED
    else:
        row.next_attempt_at = now + _backoff(row.attempts)
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def _done(row: FollowUp, *, now: datetime, note: str = "") -> None:
    row.status = FollowUp.Status.DONE
    row.done_at = now
    row.last_error = note[:300]
    row.save(update_fields=["status", "done_at", "last_error"])


def followup_transfer(*, order_id: int, last_try: bool = False, now: datetime | None = None) -> None:
    """Send one shop its money, once. Raises a retryable ``ConnectError`` when a later try may succeed.

    The attempt is recorded before raising. A failure for good (a refusal, or the
    last try) marks the row failed, writes a ``transfer_failed`` audit row and logs
    at ERROR, for staff to act on.
    """
    now = now or timezone.now()
    retry_later = None
    with transaction.atomic():
        row = (
            FollowUp.objects.select_for_update(skip_locked=True)
            .filter(kind=FollowUp.Kind.TRANSFER, order_id=order_id, status=FollowUp.Status.PENDING)
            .first()
        )
        if row is None:
            return  # done, failed for good, or another worker holds it right now
        last_try = last_try or row.attempts + 1 >= MAX_ATTEMPTS
        try:
            with transaction.atomic():
                # The last try pays the shop even if Stripe's fee never settled (the platform bears it).
                transfer_id = order_transfer(order_id=order_id, without_fee_share=last_try)
        except ConnectError as exc:
            if exc.retryable and not last_try:
                _attempt_failed(row, exc, now=now, final=False)
                retry_later = exc
            else:
                _attempt_failed(row, exc, now=now, final=True)
                order = Order.objects.get(pk=order_id)
                PaymentRecord.objects.create(
                    checkout_id=order.checkout_id,
                    kind=PaymentRecord.Kind.TRANSFER_FAILED,
                    amount=order.vendor_net - (order.processing_fee_share or 0),
                    detail=f"order {order_id}: {exc}"[:300],
                )
                logger.error("Transfer for order %s failed for good after %s tries: %s", order_id, row.attempts, exc)
                telemetry_event("transfer_failed", order_id=order_id, shop_id=order.vendor_id, reason=str(exc)[:200])
        else:
            _done(row, now=now, note="" if transfer_id else "no transfer sent (nothing owed, or order not paid)")
    if retry_later is not None:
        raise retry_later


def followup_retry(*, followup_id: int, now: datetime | None = None) -> str | None:
    """Staff retry of a follow-up that failed for good (a shop's transfer, an email): one more try, now.

    Under the row's lock: the row goes back to pending and is tried at once, in the same transaction,
    so a double click (or a second staff member) waits, then finds it done and does nothing. A transfer
    is made through ``order_transfer`` (sent once per order whatever happens, by its lock and Stripe's
    idempotency key), as its last try: a failure marks the row failed again, with its audit row.
    Returns the row's status after the try, or None if it wasn't failed any more (retried already).
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = FollowUp.objects.select_for_update().filter(pk=followup_id, status=FollowUp.Status.FAILED).first()
        if row is None:
            return None
        row.status = FollowUp.Status.PENDING
        row.next_attempt_at = now
        row.save(update_fields=["status", "next_attempt_at"])
        if row.kind == FollowUp.Kind.TRANSFER:
            followup_transfer(order_id=row.order_id, last_try=True, now=now)
        else:
            # A provider error is recorded on the row, failed again (it had used its tries).
            with contextlib.suppress(OSError):
                followup_email(followup_id=row.pk, now=now)
        row.refresh_from_db(fields=["status"])
    return row.status


def followup_email(*, followup_id: int, now: datetime | None = None) -> bool:
    """Send one pending email (receipt or shop's new-order email) once; True if this call sent it.

    Claimed under the row's lock before sending and marked sent in the same
    transaction, so a concurrent or retried run skips it. A provider error is
    recorded on the row and re-raised (``OSError``) for the task to retry.
    """
    now = now or timezone.now()
    failure = None
    with transaction.atomic():
        row = (
            FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=followup_id, status=FollowUp.Status.PENDING)
            .exclude(kind=FollowUp.Kind.TRANSFER)
            .select_related("checkout", "order__vendor")
            .first()
        )
        if row is None:
            return False
        subject, text, html = _render(row)
        try:
            email_send(to=[row.recipient], subject=subject, text=text, html=html)
        except OSError as exc:
            _attempt_failed(row, exc, now=now, final=row.attempts + 1 >= MAX_ATTEMPTS)
            if row.status == FollowUp.Status.FAILED:
                logger.error("Email %s to %s failed for good: %s", row.kind, row.recipient, exc)
            failure = exc
        else:
            _done(row, now=now)
    if failure is not None:
        raise failure
    return True


def _render(row: FollowUp) -> tuple[str, str, str]:
    checkout = row.checkout
    everything = list(checkout.orders.select_related("vendor__owner").prefetch_related("items").order_by("pk"))
    # A payment that came after its hold ended may have had some shops' orders cancelled and refunded.
    orders = [o for o in everything if o.status != Order.Status.CANCELLED]
    cancelled = [o for o in everything if o.status == Order.Status.CANCELLED]
    context = {
        "checkout": checkout,
        "orders": orders,
        "cancelled_orders": cancelled,
        "paid_total": sum((o.total for o in orders), Decimal("0.00")),
        "refunded_total": sum((o.total for o in cancelled), Decimal("0.00")),
        "site_url": settings.SITE_URL,
    }
    if row.kind == FollowUp.Kind.RECEIPT:
        view_url = checkout_view_url(checkout=checkout)
        return render_email("checkout/email/receipt", {**context, "view_url": view_url, "link_days": LINK_MAX_AGE.days})
    order = next(o for o in orders if o.pk == row.order_id)
    return render_email("checkout/email/new_order", {**context, "order": order})


def checkout_send_receipts(*, checkout_id: int) -> None:
    """Send every pending email of the checkout, each once; re-raises the first provider error after trying all."""
    failure = None
    pending = FollowUp.objects.filter(checkout_id=checkout_id, status=FollowUp.Status.PENDING).exclude(
        kind=FollowUp.Kind.TRANSFER
    )
    for followup_id in pending.values_list("pk", flat=True):
        try:
            followup_email(followup_id=followup_id)
        except OSError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def checkout_receipt_resend(*, checkout: Checkout) -> bool:
    """Send the shopper's receipt again (staff's "resend receipt"), through the receipt's own outbox row.

    The row goes back to pending and the usual task sends it after commit, once, like the first time.
    Returns False when it is already waiting to go (a second click before the first was sent adds
    nothing). Raises ``ReceiptError`` for a checkout that has no receipt (never paid).
    """
    with transaction.atomic():
        row = (
            FollowUp.objects.select_for_update()
            .filter(checkout=checkout, kind=FollowUp.Kind.RECEIPT, order__isnull=True)
            .first()
        )
        if row is None:
            raise ReceiptError(f"Checkout {checkout.pk} wasn't paid, so it has no receipt to send.")
        if row.status == FollowUp.Status.PENDING:
            return False
        row.status = FollowUp.Status.PENDING
        row.attempts = 0
        row.last_error = ""
        row.done_at = None
        row.next_attempt_at = timezone.now() + GRACE
        row.save(update_fields=["status", "attempts", "last_error", "done_at", "next_attempt_at"])
        checkout_id = checkout.pk
        transaction.on_commit(lambda: _enqueue_receipts(checkout_id))
    return True


def _enqueue_receipts(checkout_id: int) -> None:
    from . import tasks

    try:
        tasks.send_receipts.delay(checkout_id)
    except (KombuError, OSError) as exc:
        logger.warning("Couldn't enqueue the receipt of checkout %s (%s); the periodic job will", checkout_id, exc)


def followups_run_due(*, now: datetime | None = None) -> int:
    """The periodic job: do every pending follow-up whose time has come. Returns how many were tried.

    Also writes the follow-ups of any paid checkout that has none (paid by a path
    that didn't schedule them), due at once.
    """
    now = now or timezone.now()
    paid = (Checkout.Status.PAID, Checkout.Status.REFUNDED)  # a refunded late payment is owed its notice
    for checkout_id in Checkout.objects.filter(status__in=paid, followups__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            checkout = Checkout.objects.select_for_update().get(pk=checkout_id)
            _followups_create(checkout=checkout, due=now)
    due = FollowUp.objects.filter(status=FollowUp.Status.PENDING, next_attempt_at__lte=now).order_by("pk")
    tried = 0
    for row in list(due.values("pk", "kind", "order_id")):
        tried += 1
        try:
            if row["kind"] == FollowUp.Kind.TRANSFER:
                followup_transfer(order_id=row["order_id"], now=now)
            else:
                followup_email(followup_id=row["pk"], now=now)
        except (ConnectError, OSError) as exc:
            logger.warning("Follow-up %s will be tried again later: %s", row["pk"], exc)
    return tried
