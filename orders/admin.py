from django.contrib import admin

from marketplace.admin import ReadOnlyAdmin

from .admin_actions import OrderStaffActionsMixin, cancel_orders, refund_orders
from .models import ConnectIncident, LedgerEntry, Order, OrderItem, OrderMessage, OrderRefund, ReconciliationIssue
from .selectors import orders_past_processing_time


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    readonly_fields = ["product", "title", "unit_price", "quantity", "line_total", "reserved"]

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
class OrderAdmin(OrderStaffActionsMixin, admin.ModelAdmin):
    list_display = ["pk", "vendor", "status", "total", "platform_fee", "vendor_net", "created_at"]
    list_filter = ["status", PastProcessingTimeFilter]
    search_fields = ["pk", "vendor__name", "checkout__email"]
    list_select_related = ["vendor"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderItemInline, OrderRefundInline, OrderMessageInline]
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
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only, written by the services that move money."""

    list_display = ["created_at", "account", "vendor", "order", "kind", "amount", "currency", "stripe_id", "memo"]
    list_filter = ["account", "kind"]
    search_fields = ["vendor__name", "order__number", "stripe_id"]
    list_select_related = ["vendor", "order"]


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(ReadOnlyAdmin):
    """What the daily reconciliation found: read-only, for staff to look into."""

    list_display = ["day", "kind", "stripe_id", "problem", "ledger_amount", "stripe_amount", "currency"]
    list_filter = ["problem", "kind", "day"]
    search_fields = ["stripe_id"]
    readonly_fields = [f.name for f in ReconciliationIssue._meta.fields]


@admin.register(ConnectIncident)
class ConnectIncidentAdmin(ReadOnlyAdmin):
    """Transfers reversed and payouts failed, as Stripe Connect reported them: read-only, for staff."""

    list_display = ["created_at", "kind", "stripe_id", "vendor", "order", "amount", "currency", "booked"]
    list_filter = ["kind", "booked"]
    search_fields = ["stripe_id", "order__number", "vendor__name"]
    readonly_fields = [f.name for f in ConnectIncident._meta.fields]
