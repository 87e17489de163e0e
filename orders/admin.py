from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from marketplace.admin import CsvExportMixin, ReadOnlyAdmin, link_to

from .admin_actions import OrderStaffActionsMixin, cancel_orders, refund_orders
from .models import (
    ConnectIncident,
    Dispute,
    LedgerEntry,
    Order,
    OrderItem,
    OrderMessage,
    OrderRefund,
    OrderStatusChange,
    ReconciliationIssue,
)
from .selectors import orders_past_processing_time


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    readonly_fields = ["product", "title", "unit_price", "quantity", "line_total", "reserved"]

    def has_add_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    """The order's status history (written by ``order_transition``): read-only."""

    model = OrderStatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "from_status", "to_status", "by", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False


class LedgerEntryInline(admin.TabularInline):
    """The order's lines in the shop's and the platform's accounts: append-only, read-only."""

    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "account", "kind", "amount", "currency", "stripe_id", "memo"]

    def has_add_permission(self, request, obj=None):
        return False


class OrderMessageInline(admin.TabularInline):
    """The buyer–shop thread, for staff to read (wt-comms); nobody edits what was said."""

    model = OrderMessage
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_shop", "author", "body"]

    def has_add_permission(self, request, obj=None):
        return False


class OrderRefundInline(admin.TabularInline):
    model = OrderRefund
    extra = 0
    can_delete = False
    fields = ["created_at", "amount", "status", "reason", "by", "stripe_refund_id", "platform_fee_returned",
              "reversal_status", "transfer_reversal_id", "failure"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PastProcessingTimeFilter(admin.SimpleListFilter):
    """Paid orders not shipped within their shop's processing time (the staff dashboard links here)."""

    title = "processing time"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Past processing time")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=orders_past_processing_time().values("pk"))
        return queryset


@admin.register(Order)
class OrderAdmin(OrderStaffActionsMixin, CsvExportMixin, admin.ModelAdmin):
    list_display = ["number", "shop", "placed_in", "status", "total", "platform_fee", "vendor_net", "paid_at",
                    "created_at"]  # fmt: skip
    list_filter = ["status", PastProcessingTimeFilter, "paid_at", "created_at"]
    search_fields = ["number", "pk", "vendor__name", "checkout__email", "transfer_id"]
    list_select_related = ["vendor", "checkout"]
    # Money, Stripe ids and status change only through the order services: nothing here is editable.
    readonly_fields = [*(f.name for f in Order._meta.fields), "shop_owner", "payment_events"]
    inlines = [OrderItemInline, StatusChangeInline, OrderRefundInline, LedgerEntryInline, OrderMessageInline]
    show_full_result_count = False  # an exact count(*) over 100K+ rows on every page is wasted work
    csv_fields = ["number", "checkout", "checkout__email", "vendor", "vendor__name", "status", "currency", "subtotal",
                  "shipping", "total", "platform_fee", "vendor_net", "processing_fee_share", "transfer_id", "paid_at",
                  "shipped_at", "delivered_at", "cancelled_at", "created_at"]  # fmt: skip

    shop = link_to("vendor", "shop")
    placed_in = link_to("checkout", "checkout", ordering="checkout_id")
    shop_owner = link_to("vendor__owner", "shop owner")

    @admin.display(description="payment events")
    def payment_events(self, order):
        url = reverse("admin:checkout_paymentrecord_changelist") + f"?checkout__id__exact={order.checkout_id}"
        return format_html('<a href="{}">Payment audit of checkout {}</a>', url, order.checkout_id)

    actions = [refund_orders, cancel_orders]  # orders/admin_actions.py

    def has_add_permission(self, request):
        return False  # orders come from checkouts, never by hand

    def has_delete_permission(self, request, obj=None):
        # Consulted per object by the delete view and by the bulk "delete selected" action alike:
        # an order that was paid, or whose checkout holds money, only changes through domain actions.
        if obj is not None and (obj.paid_at is not None or obj.transfer_id or obj.checkout.holds_money()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(CsvExportMixin, ReadOnlyAdmin):
    """Read-only: the ledger is append-only, written by the services that move money."""

    list_display = ["created_at", "account", "shop", "for_order", "kind", "amount", "currency", "stripe_id", "memo"]
    list_filter = ["account", "kind", "created_at"]
    search_fields = ["vendor__name", "order__number", "stripe_id"]
    list_select_related = ["vendor", "order__vendor"]
    show_full_result_count = False
    csv_fields = ["created_at", "account", "vendor", "vendor__name", "order__number", "refund", "kind", "amount",
                  "currency", "stripe_id", "memo"]  # fmt: skip

    shop = link_to("vendor", "shop")
    for_order = link_to("order", "order")


class ResolvedFilter(admin.SimpleListFilter):
    title = "resolved"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "yes")
        return queryset


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(ReadOnlyAdmin):
    """What the daily reconciliation found: read-only, resolved with a note on the operations page."""

    list_display = ["day", "kind", "stripe_id", "problem", "ledger_amount", "stripe_amount", "currency",
                    "resolved_at", "resolved_by"]  # fmt: skip
    list_filter = [ResolvedFilter, "problem", "kind", "day"]
    list_select_related = ["resolved_by"]
    search_fields = ["stripe_id"]
    readonly_fields = [f.name for f in ReconciliationIssue._meta.fields]


@admin.register(ConnectIncident)
class ConnectIncidentAdmin(ReadOnlyAdmin):
    """Transfers reversed and payouts failed, as Stripe Connect reported them: read-only, for staff."""

    list_display = ["created_at", "kind", "stripe_id", "vendor", "order", "amount", "currency", "booked"]
    list_filter = ["kind", "booked"]
    search_fields = ["stripe_id", "order__number", "vendor__name"]
    readonly_fields = [f.name for f in ConnectIncident._meta.fields]
    list_select_related = ["vendor", "order__vendor"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """Disputes as Stripe last reported them (``orders.disputes``): read-only, answered at Stripe."""

    list_display = ["created_at", "stripe_dispute_id", "checkout", "amount", "currency", "status", "reason",
                    "settled", "closed_at"]  # fmt: skip
    list_filter = ["status", "settled", "reason"]
    search_fields = ["stripe_dispute_id", "checkout__email", "checkout__pk"]
    list_select_related = ["checkout"]


@admin.register(OrderRefund)
class OrderRefundAdmin(ReadOnlyAdmin):
    """Every refund (and lost-dispute share) on a shop's order: read-only, made through ``orders.refunds``."""

    list_display = ["created_at", "for_order", "amount", "status", "reversal_status", "platform_fee_returned", "by",
                    "stripe_refund_id"]  # fmt: skip
    list_filter = ["status", "reversal_status", "created_at"]
    search_fields = ["order__number", "stripe_refund_id", "transfer_reversal_id"]
    list_select_related = ["order__vendor", "by"]

    for_order = link_to("order", "order")
