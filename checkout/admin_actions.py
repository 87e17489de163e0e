"""Staff actions on checkouts in the dashboard: resend the shopper's receipt (through its outbox row)."""

from django.contrib import admin, messages

from .followups import ReceiptError, checkout_receipt_resend


@admin.action(description="Resend the receipt of selected checkouts", permissions=["resend_receipt"])
def resend_receipts(modeladmin, request, queryset):
    for checkout in queryset.order_by("pk"):
        try:
            queued = checkout_receipt_resend(checkout=checkout)
        except ReceiptError as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
            continue
        if queued:
            modeladmin.log_change(request, checkout, f"Receipt sent again to {checkout.email}")
            modeladmin.message_user(request, f"Checkout {checkout.pk}: receipt on its way to {checkout.email}.")
        else:
            modeladmin.message_user(
                request, f"Checkout {checkout.pk}: the receipt is already on its way; not sent twice.", messages.INFO
            )


class CheckoutStaffActionsMixin:
    """For ``CheckoutAdmin``: resending is offered to the roles holding ``checkout.resend_receipt``."""

    def has_resend_receipt_permission(self, request):
        return request.user.has_perm("checkout.resend_receipt")
