from django.contrib import admin, messages

from marketplace.admin import ReadOnlyAdmin

from .models import (
    ConnectIncident,
    Dispute,
    LedgerEntry,
    Order,
    OrderItem,
    OrderMessage,
    OrderRefund,
    ReconciliationIssue,
)
from .refunds import order_refund, refund_key_new
from .services import OrderError


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


@admin.action(description="Refund selected orders in full (to the buyer's card)", permissions=["refund"])
def refund_in_full(modeladmin, request, queryset):
    for order in queryset.order_by("pk"):
        try:
            order_refund(order=order, by=request.user, request_key=refund_key_new(), reason="refunded by staff")
            modeladmin.message_user(request, f"Order {order.number}: refunded.", messages.SUCCESS)
        except OrderError as exc:
            modeladmin.message_user(request, f"Order {order.number}: {exc}", messages.WARNING)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "vendor", "status", "total", "platform_fee", "vendor_net", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "pk", "vendor__name", "checkout__email"]
    list_select_related = ["vendor"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderItemInline, OrderRefundInline, OrderMessageInline]
    actions = [refund_in_full]

    def has_refund_permission(self, request):
        # The finance permission: who may add refunds may make them.
        return request.user.has_perm("orders.add_orderrefund")

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


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    """Disputes as Stripe last reported them (``orders.disputes``): read-only, answered at Stripe."""

    list_display = ["created_at", "stripe_dispute_id", "checkout", "amount", "currency", "status", "reason",
                    "settled", "closed_at"]  # fmt: skip
    list_filter = ["status", "settled", "reason"]
    search_fields = ["stripe_dispute_id", "checkout__email", "checkout__pk"]
    list_select_related = ["checkout"]
