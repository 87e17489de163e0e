from django.contrib import admin

from marketplace.admin import ReadOnlyAdmin

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
    raw_id_fields = ["user"]
    inlines = [CartItemInline]


@admin.register(Checkout)
class CheckoutAdmin(CheckoutStaffActionsMixin, admin.ModelAdmin):
    list_display = ["pk", "email", "status", "total", "platform_fee", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["pk", "email", "payment_intent_id"]
    readonly_fields = [f.name for f in Checkout._meta.fields]
    actions = [resend_receipts]  # checkout/admin_actions.py

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Consulted per object by the delete view and by the bulk "delete selected" action alike.
        if obj is not None and obj.holds_money():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(PaymentRecord)
class PaymentRecordAdmin(ReadOnlyAdmin):
    """The payment audit log: read-only."""

    list_display = ["created_at", "checkout", "kind", "stripe_id", "amount", "detail"]
    list_filter = ["kind"]
    search_fields = ["stripe_id", "checkout__pk", "checkout__email"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    """What each payment still owes (transfers, receipts, shop emails); "Failed for good" needs staff."""

    list_display = ["created_at", "checkout", "order", "kind", "recipient", "status", "attempts", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["checkout__pk", "order__pk", "recipient"]
    list_select_related = ["checkout", "order"]
