from django.contrib import admin

from marketplace.admin import CsvExportMixin, ReadOnlyAdmin, link_to
from orders.models import Order

from .admin_actions import CheckoutStaffActionsMixin, resend_receipts
from .models import Cart, CartItem, Checkout, FollowUp, PaymentRecord


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["price_when_added", "added_at"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "updated_at"]
    search_fields = ["user__email", "session_key"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    inlines = [CartItemInline]


class OrderInline(admin.TabularInline):
    """The shops' orders of this checkout, each linking to its own page."""

    model = Order
    extra = 0
    can_delete = False
    show_change_link = True
    fields = readonly_fields = ["number", "vendor", "status", "total", "platform_fee", "vendor_net", "transfer_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("vendor")

    def has_add_permission(self, request, obj=None):
        return False


class PaymentRecordInline(admin.TabularInline):
    """The payment audit of this checkout (intents, charges, transfers, refunds, alerts): read-only."""

    model = PaymentRecord
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "kind", "stripe_id", "amount", "detail"]

    def has_add_permission(self, request, obj=None):
        return False


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    can_delete = False
    fields = readonly_fields = ["kind", "order", "recipient", "status", "attempts", "last_error", "done_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order__vendor")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checkout)
class CheckoutAdmin(CheckoutStaffActionsMixin, CsvExportMixin, admin.ModelAdmin):
    list_display = ["pk", "email", "buyer", "status", "total", "platform_fee", "created_at", "paid_at", "expires_at"]
    list_filter = ["status", "paid_at", "created_at"]
    search_fields = ["pk", "email", "payment_intent_id", "charge_id"]
    list_select_related = ["user"]
    # Money and Stripe ids are the payment's: nothing here is editable.
    readonly_fields = [f.name for f in Checkout._meta.fields]
    inlines = [OrderInline, PaymentRecordInline, FollowUpInline]
    actions = [resend_receipts]  # checkout/admin_actions.py
    show_full_result_count = False
    csv_fields = ["id", "email", "user", "status", "currency", "subtotal", "shipping", "total", "platform_fee",
                  "processing_fee", "payment_intent_id", "charge_id", "shipping_country", "created_at",
                  "paid_at"]  # fmt: skip

    buyer = link_to("user", "account")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Consulted per object by the delete view and by the bulk "delete selected" action alike.
        if obj is not None and obj.holds_money():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(PaymentRecord)
class PaymentRecordAdmin(CsvExportMixin, ReadOnlyAdmin):
    """The payment audit log: read-only."""

    list_display = ["created_at", "for_checkout", "kind", "stripe_id", "amount", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["stripe_id", "checkout__pk", "checkout__email"]
    list_select_related = ["checkout"]
    show_full_result_count = False
    csv_fields = ["created_at", "checkout", "checkout__email", "kind", "stripe_id", "amount", "checkout__currency",
                  "detail"]  # fmt: skip

    for_checkout = link_to("checkout", "checkout")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    """What each payment still owes (transfers, receipts, shop emails); "Failed for good" needs staff."""

    list_display = ["created_at", "checkout", "order", "kind", "recipient", "status", "attempts", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["checkout__pk", "order__pk", "order__number", "recipient"]
    list_select_related = ["checkout", "order__vendor"]
