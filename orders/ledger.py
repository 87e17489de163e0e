"""The ledger: every cent of every shop, and the platform's fees, as append-only entries.

A shop's balance is the sum of its entries: what the platform still owes it (a sale not yet
transferred) when positive, what it owes the platform when negative (a refund whose transfer
reversal Stripe refused: netted against the shop's next transfers, a clawback).

Per order, from the shop's side::

    sale            + total                      at payment (orders_mark_paid)
    platform_fee    - platform fee               at payment (the platform's account: +)
    processing_fee  - its share of Stripe's fee  with the transfer (platform: +); never, if refunded first
    transfer        - what was sent              when the transfer goes out
    refund          - the refunded amount        per refund (``dispute`` for a lost dispute's part)
    fee_return      + platform fee returned      per refund, pro rata (platform: -)
    transfer_reversal + what came back           per refund, once the shop's share is reversed

So for every checkout: Σ shop entries other than transfers and reversals (the shops' nets) +
Σ platform entries (fees) = charged − refunded.

Entries are written by the services that move the money, inside their transactions, and never
changed. Unique constraints make writing the payment-time ones twice a no-op.
"""

from decimal import Decimal

from django.db.models import Sum

from marketplace.money import round_money

from .models import LedgerEntry, Order, OrderRefund

K = LedgerEntry.Kind
SHOP = LedgerEntry.Account.SHOP
PLATFORM = LedgerEntry.Account.PLATFORM
ZERO = Decimal("0.00")


def _entry(*, order: Order, account: str, kind: str, amount, stripe_id: str = "", memo: str = "", refund=None):
    return LedgerEntry(
        account=account, vendor_id=order.vendor_id, order=order, refund=refund, kind=kind,
        amount=round_money(amount), currency=order.currency, stripe_id=stripe_id, memo=memo[:300],
    )  # fmt: skip


def _write(entries: list[LedgerEntry]) -> None:
    # ON CONFLICT DO NOTHING on the once-per-order / once-per-refund constraints: a repeat writes nothing.
    LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)


def ledger_order_paid(*, order: Order, charge_id: str = "") -> None:
    """The sale and the platform fee of a paid order. Safe to call again (nothing is written twice)."""
    _write([
        _entry(order=order, account=SHOP, kind=K.SALE, amount=order.total, stripe_id=charge_id),
        _entry(order=order, account=SHOP, kind=K.PLATFORM_FEE, amount=-order.platform_fee),
        _entry(order=order, account=PLATFORM, kind=K.PLATFORM_FEE, amount=order.platform_fee),
    ])  # fmt: skip


def ledger_processing_fee(*, order: Order) -> None:
    """The shop's share of Stripe's fee, once known (``order.processing_fee_share``). Safe to call again."""
    if order.processing_fee_share is None:
        return
    _write([
        _entry(order=order, account=SHOP, kind=K.PROCESSING_FEE, amount=-order.processing_fee_share),
        _entry(order=order, account=PLATFORM, kind=K.PROCESSING_FEE, amount=order.processing_fee_share),
    ])  # fmt: skip


def ledger_transfer(*, order: Order, amount: Decimal, transfer_id: str, memo: str = "") -> None:
    _write([_entry(order=order, account=SHOP, kind=K.TRANSFER, amount=-amount, stripe_id=transfer_id, memo=memo)])


def ledger_refund(*, refund: OrderRefund) -> None:
    """The refund taken from the shop and the platform fee the platform gives back with it."""
    order = refund.order
    fee = refund.platform_fee_returned
    entries = [
        _entry(
            order=order,
            account=SHOP,
            kind=K.DISPUTE if refund.dispute_id else K.REFUND,
            amount=-refund.amount,
            stripe_id=refund.stripe_refund_id,
            refund=refund,
            memo=refund.reason,
        ),
    ]
    if fee:
        entries += [
            _entry(order=order, account=SHOP, kind=K.FEE_RETURN, amount=fee, refund=refund),
            _entry(order=order, account=PLATFORM, kind=K.FEE_RETURN, amount=-fee, refund=refund),
        ]
    _write(entries)


def ledger_transfer_reversal(*, refund: OrderRefund, amount: Decimal, reversal_id: str) -> None:
    _write([_entry(order=refund.order, account=SHOP, kind=K.TRANSFER_REVERSAL, amount=amount, stripe_id=reversal_id,
                   refund=refund)])  # fmt: skip


def _sum(queryset) -> Decimal:
    return queryset.aggregate(total=Sum("amount"))["total"] or ZERO


def shop_balance(*, vendor) -> Decimal:
    return _sum(LedgerEntry.objects.filter(account=SHOP, vendor=vendor))


def order_shop_sum(*, order: Order) -> Decimal:
    """What the platform owes the shop for this order now (before its transfer: what the transfer sends)."""
    return _sum(LedgerEntry.objects.filter(account=SHOP, order=order))


def order_transferred(*, order: Order) -> Decimal:
    """What went to the shop for this order and hasn't come back by a reversal."""
    entries = LedgerEntry.objects.filter(account=SHOP, order=order, kind__in=(K.TRANSFER, K.TRANSFER_REVERSAL))
    return -_sum(entries)


def shop_debt(*, vendor, excluding: Order) -> Decimal:
    """What the shop owes the platform, leaving aside orders whose transfer is still to go out.

    Caller holds the shop's (vendor's) row lock, so two transfers can't both net the same debt.
    """
    waiting = (
        Order.objects.filter(vendor=vendor, transfer_id="")
        .exclude(ledger_entries__kind=K.TRANSFER)
        .filter(status__in=TRANSFER_WAITING)
    )
    settled = LedgerEntry.objects.filter(account=SHOP, vendor=vendor).exclude(order=excluding)
    return max(ZERO, -_sum(settled.exclude(order__in=waiting)))


# Orders whose transfer is still to come (checkout's payouts send them); their sums aren't a debt or a credit yet.
TRANSFER_WAITING = (
    Order.Status.PAID, Order.Status.PROCESSING, Order.Status.SHIPPED, Order.Status.DELIVERED,
    Order.Status.PARTIALLY_REFUNDED,
)  # fmt: skip


def transfer_amount(*, order: Order) -> tuple[Decimal, Decimal]:
    """(to send, kept back) for the order's transfer: its sum, less what the shop owes from earlier refunds.

    Caller holds the order's and the shop's row locks.
    """
    due = order_shop_sum(order=order)
    if due <= 0:
        return due, ZERO
    kept = min(due, shop_debt(vendor=order.vendor, excluding=order))
    return due - kept, kept
