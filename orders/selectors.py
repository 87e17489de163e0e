"""Reading orders: who may see which, the shop's inbox, the shopper's history, a shop's sales figures.

Access rules live here once: a shop sees only its own orders (never another
shop's part of the same checkout) and only once they are paid; a shopper sees
the orders of their own checkouts. Anything else is a 404, so numbers don't leak.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from .models import Order

S = Order.Status
# What a shop has to deal with: everything from payment on. Unpaid and expired orders are not theirs yet.
SHOP_VISIBLE = (
    S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED, S.CANCELLED, S.REFUNDED, S.PARTIALLY_REFUNDED,
)  # fmt: skip
SHOPPER_VISIBLE = SHOP_VISIBLE


def _with_details(queryset):
    return queryset.select_related("vendor", "checkout").prefetch_related("items", "status_changes")


def order_for_shop(*, vendor, number: str) -> Order:
    """``vendor``'s own paid order ``number``, or 404."""
    order = _with_details(Order.objects.filter(vendor=vendor, number=number, status__in=SHOP_VISIBLE)).first()
    if order is None:
        raise Http404
    return order


def order_for_shopper(*, user, number: str) -> Order:
    """One of ``user``'s own orders, or 404 (anonymous users have none here)."""
    if not user.is_authenticated:
        raise Http404
    order = _with_details(Order.objects.filter(checkout__user=user, number=number, status__in=SHOPPER_VISIBLE)).first()
    if order is None:
        raise Http404
    return order


def order_for_api(*, user, order_id: int) -> Order:
    """For ``PUT /api/orders/{id}/status``: the order if ``user`` owns its shop or is staff, else 404."""
    queryset = _with_details(Order.objects.filter(pk=order_id, status__in=SHOP_VISIBLE))
    if not (user.is_authenticated and user.is_staff):
        queryset = queryset.filter(vendor__owner=user) if user.is_authenticated else queryset.none()
    order = queryset.first()
    if order is None:
        raise Http404
    return order


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def orders_for_shop(
    *, vendor, status: str = "", date_from: date | None = None, date_to: date | None = None, q: str = ""
):
    """The shop's inbox, newest first: filter by status and payment date, search by number or buyer name."""
    queryset = Order.objects.filter(vendor=vendor, status__in=SHOP_VISIBLE)
    if status == "open":
        queryset = queryset.filter(status__in=(S.PAID, S.PROCESSING))
    elif status:
        queryset = queryset.filter(status=status)
    if date_from:
        queryset = queryset.filter(created_at__gte=_day_start(date_from))
    if date_to:
        queryset = queryset.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    q = " ".join(q.split())
    if q:
        queryset = queryset.filter(
            Q(number__iexact=q) | Q(number__icontains=q) | Q(checkout__shipping_name__icontains=q)
        )
    return queryset.select_related("checkout").order_by("-created_at", "-pk")


def orders_for_shopper(*, user):
    return _with_details(Order.objects.filter(checkout__user=user, status__in=SHOPPER_VISIBLE)).order_by(
        "-created_at", "-pk"
    )


def shop_new_order_count(*, vendor) -> int:
    """Paid orders the shop hasn't started on: the inbox badge."""
    return Order.objects.filter(vendor=vendor, status=S.PAID).count()


def shop_sales(*, vendor, now=None) -> list[dict]:
    """Today, 7 and 30 days: orders, revenue (what shoppers paid for the shop's goods and shipping),
    platform fees and the shop's net, each net of the refunds made in the period.

    Sales count in the period they were paid, refunds (cancellations and lost disputes too) in the period they
    were made, as a bank statement would: a refund today of last month's sale lowers today's figures. Orders
    counts the paid orders not cancelled or refunded in full.
    """
    from .models import OrderRefund

    now = now or timezone.now()
    today = _day_start(timezone.localdate(now))
    periods = [("Today", today), ("7 days", now - timedelta(days=7)), ("30 days", now - timedelta(days=30))]
    zero = Decimal("0.00")
    gone = (S.CANCELLED, S.REFUNDED)
    # Never paid, or paid too late and given back by checkout itself (no order refund): not sales.
    paid = Order.objects.filter(vendor=vendor, paid_at__gte=periods[2][1]).exclude(
        status__in=(S.PENDING_PAYMENT, S.EXPIRED)
    )
    sales = paid.aggregate(
        **{
            f"{key}_{i}": agg
            for i, (_, since) in enumerate(periods)
            for key, agg in (
                ("orders", Count("pk", filter=Q(paid_at__gte=since) & ~Q(status__in=gone))),
                ("revenue", Sum("total", filter=Q(paid_at__gte=since))),
                ("fees", Sum("platform_fee", filter=Q(paid_at__gte=since))),
                ("net", Sum("vendor_net", filter=Q(paid_at__gte=since))),
            )
        }
    )
    refunds = OrderRefund.objects.filter(
        order__vendor=vendor, status=OrderRefund.Status.SUCCEEDED, created_at__gte=periods[2][1]
    ).aggregate(
        **{
            f"{key}_{i}": Sum(field, filter=Q(created_at__gte=since))
            for i, (_, since) in enumerate(periods)
            for key, field in (("refunds", "amount"), ("fees_back", "platform_fee_returned"))
        }
    )
    rows = []
    for i, (label, _) in enumerate(periods):
        refunded = refunds[f"refunds_{i}"] or zero
        fees_back = refunds[f"fees_back_{i}"] or zero
        rows.append(
            {
                "label": label,
                "orders": sales[f"orders_{i}"],
                "refunds": refunded,
                "revenue": (sales[f"revenue_{i}"] or zero) - refunded,
                "fees": (sales[f"fees_{i}"] or zero) - fees_back,
                # The shop's part of a refund: what it gave back less the platform fee returned with it.
                "net": (sales[f"net_{i}"] or zero) - (refunded - fees_back),
            }
        )
    return rows


def orders_for_checkout(*, checkout):
    """The orders of ``checkout`` its buyer may follow, by shop, with items and history (wt-comms).

    For the guest's signed receipt link: the caller has checked the link names this checkout.
    """
    return _with_details(Order.objects.filter(checkout=checkout, status__in=SHOPPER_VISIBLE)).order_by("pk")


def order_for_checkout(*, checkout, number: str) -> Order:
    """One order of ``checkout`` (reached through its signed link), or 404."""
    order = orders_for_checkout(checkout=checkout).filter(number=number).first()
    if order is None:
        raise Http404
    return order


def shop_ledger(*, vendor):
    """The shop's ledger entries, newest first, with their orders (for the payouts page)."""
    from .models import LedgerEntry

    return (
        LedgerEntry.objects.filter(account=LedgerEntry.Account.SHOP, vendor=vendor)
        .select_related("order")
        .order_by("-created_at", "-pk")
    )


def shop_owed_refunds(*, vendor):
    """Refunds whose share Stripe wouldn't take back from the shop: what its next transfers pay back."""
    from .models import OrderRefund

    return OrderRefund.objects.filter(order__vendor=vendor, reversal_status=OrderRefund.ReversalStatus.FAILED)


# --- The staff dashboard's figures (registered in orders/dashboard.py) ----------------------------


def dashboard_ledger_per_day(*, start: datetime, end: datetime) -> dict[date, dict]:
    """Per local day from ``start`` to ``end`` (exclusive), from the ledger, which records money as it moved:
    ``gmv`` (the shops' sales: what shoppers paid, goods and shipping) and ``sales`` (how many orders those were),
    ``fees`` (the platform fee kept: fees taken less fees returned with refunds that day), ``refunded`` and
    ``refunds`` (money given back on the day Stripe made the refund, lost disputes included).

    One aggregate query, grouped by day; days without entries are absent.
    """
    from .models import LedgerEntry

    entry = LedgerEntry
    sale = Q(account=entry.Account.SHOP, kind=entry.Kind.SALE)
    fee = Q(account=entry.Account.PLATFORM, kind__in=(entry.Kind.PLATFORM_FEE, entry.Kind.FEE_RETURN))
    refund = Q(account=entry.Account.SHOP, kind__in=(entry.Kind.REFUND, entry.Kind.DISPUTE))
    rows = (
        entry.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(sale | fee | refund)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(gmv=Sum("amount", filter=sale), sales=Count("pk", filter=sale), fees=Sum("amount", filter=fee))
        .annotate(refunded=Sum("amount", filter=refund), refunds=Count("pk", filter=refund))
        .order_by("day")
    )
    zero = Decimal("0.00")
    return {
        r["day"]: {
            "gmv": r["gmv"] or zero, "sales": r["sales"], "fees": r["fees"] or zero,
            # The shop's refund line is negative (money out of its account); a refund is shown as what went back.
            "refunded": -(r["refunded"] or zero), "refunds": r["refunds"],
        }
        for r in rows
    }  # fmt: skip


def dashboard_orders_paid_per_day(*, start: datetime, end: datetime) -> dict[date, int]:
    """Orders (one per shop per checkout) paid each local day, whatever happened to them since."""
    rows = (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return {r["day"]: r["n"] for r in rows}


# --- What needs staff (the operations page) -------------------------------------------------------------


def orders_past_processing_time(*, now: datetime | None = None):
    """Paid orders not yet shipped whose shop's processing time (``vendor.processing_days``) has run out.

    The same rule as the hourly reminder (``housekeeping.orders_remind_unshipped``), in SQL so it can be counted
    and filtered on: paid more than ``processing_days`` days before ``now``.
    """
    now = now or timezone.now()
    due = ExpressionWrapper(
        Value(now, output_field=DateTimeField())
        - ExpressionWrapper(F("vendor__processing_days") * Value(timedelta(days=1)), output_field=DurationField()),
        output_field=DateTimeField(),
    )
    return Order.objects.filter(status__in=(S.PAID, S.PROCESSING), paid_at__isnull=False, paid_at__lt=due)


def open_disputes():
    """Disputes the platform still has to answer or wait on (Stripe's open statuses)."""
    from .models import Dispute

    return Dispute.objects.filter(status__in=Dispute.OPEN)


def reconciliation_issues_open(*, amounts: bool):
    """Unresolved reconciliation differences: amount mismatches (``amounts``) or objects missing on one side."""
    from .models import ReconciliationIssue

    issues = ReconciliationIssue.objects.filter(resolved_at__isnull=True)
    mismatch = Q(problem=ReconciliationIssue.Problem.AMOUNT_DIFFERS)
    return issues.filter(mismatch if amounts else ~mismatch).order_by("day", "pk")
