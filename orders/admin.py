from django.contrib import admin

from .models import Order, OrderItem, OrderMessage


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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["pk", "vendor", "status", "total", "platform_fee", "vendor_net", "created_at"]
    list_filter = ["status"]
    search_fields = ["pk", "vendor__name", "checkout__email"]
    list_select_related = ["vendor"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderItemInline, OrderMessageInline]

    def has_add_permission(self, request):
        return False  # orders come from checkouts, never by hand

    def has_delete_permission(self, request, obj=None):
        # Consulted per object by the delete view and by the bulk "delete selected" action alike:
        # an order that was paid, or whose checkout holds money, only changes through domain actions.
        if obj is not None and (obj.paid_at is not None or obj.transfer_id or obj.checkout.holds_money()):
            return False
        return super().has_delete_permission(request, obj)
