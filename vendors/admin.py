from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join

from marketplace.admin import CsvExportMixin, InvalidatesCatalogueMixin, ReadOnlyAdmin, link_to

from .models import Vendor, VendorStatusChange
from .services.shops import VendorError, vendor_status_change


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), label="Reason (emailed to the shop)")


def _status_action(to_status: str, label: str):
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            moved = 0
            for vendor in queryset:
                try:
                    vendor_status_change(
                        vendor=vendor, to_status=to_status, reason=form.cleaned_data["reason"], by=request.user
                    )
                    moved += 1
                    # Django's admin log beside the service's own audit row (VendorStatusChange).
                    modeladmin.log_change(request, vendor, f"{label}: {form.cleaned_data['reason'].strip()}")
                except VendorError as exc:
                    modeladmin.message_user(request, f"{vendor}: {exc}", messages.WARNING)
            if moved:
                modeladmin.message_user(request, f"{label}: {moved} shop(s).", messages.SUCCESS)
            return None
        # First step: ask for the reason on an intermediate page.
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label}: give a reason",
            "vendors": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return render(request, "admin/vendors/status_reason.html", context)

    action.__name__ = f"make_{to_status}"
    action.short_description = label
    action.allowed_permissions = ("review",)  # vendors.review_vendor: support and admin
    return action


class ShopReviewMixin:
    """For ``VendorAdmin``: approve / suspend are offered to the roles holding ``vendors.review_vendor``."""

    def has_review_permission(self, request):
        return request.user.has_perm("vendors.review_vendor")


class StatusChangeInline(admin.TabularInline):
    model = VendorStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "reason", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Vendor)
class VendorAdmin(ShopReviewMixin, CsvExportMixin, InvalidatesCatalogueMixin, admin.ModelAdmin):
    list_display = ["name", "owner_account", "town", "country", "status", "payouts_enabled", "on_holiday",
                    "created_at"]  # fmt: skip
    list_filter = ["status", "payouts_enabled", "charges_enabled", "on_holiday", "country", "created_at"]
    search_fields = ["name", "slug", "owner__email", "town", "stripe_account_id"]
    list_select_related = ["owner"]
    readonly_fields = ["status", "stripe_account_id", "charges_enabled", "payouts_enabled", "payouts_disabled_reason",
                       "created_at", "updated_at", "related"]  # fmt: skip
    csv_fields = ["id", "name", "slug", "owner__email", "status", "town", "country", "processing_days",
                  "shipping_flat", "free_shipping_over", "on_holiday", "charges_enabled", "payouts_enabled",
                  "stripe_account_id", "created_at"]  # fmt: skip

    owner_account = link_to("owner", "owner")

    @admin.display(description="related")
    def related(self, vendor):
        # By URL name only: vendors is the bottom of the app graph and imports none of these apps.
        links = [
            ("Orders", reverse("admin:orders_order_changelist") + f"?vendor__id__exact={vendor.pk}"),
            ("Products", reverse("admin:catalog_product_changelist") + f"?vendor__id__exact={vendor.pk}"),
            ("Ledger", reverse("admin:orders_ledgerentry_changelist") + f"?vendor__id__exact={vendor.pk}"),
            (
                "Status history",
                reverse("admin:vendors_vendorstatuschange_changelist") + f"?vendor__id__exact={vendor.pk}",
            ),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', ((url, label) for label, url in links))

    autocomplete_fields = ["owner"]
    inlines = [StatusChangeInline]
    actions = [
        _status_action(Vendor.Status.APPROVED, "Approve selected shops"),
        _status_action(Vendor.Status.SUSPENDED, "Suspend selected shops"),
    ]
    fieldsets = [
        (None, {"fields": ["owner", "name", "slug", "status", "description"]}),
        ("Location", {"fields": ["town", "country", "latitude", "longitude"]}),
        (
            "Policies",
            {"fields": ["shipping_flat", "free_shipping_over", "processing_days", "returns_policy", "on_holiday"]},
        ),
        ("Images", {"fields": ["logo", "banner"]}),
        (
            "Payouts (Stripe Connect)",
            {"fields": ["stripe_account_id", "charges_enabled", "payouts_enabled", "payouts_disabled_reason"]},
        ),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
        ("Related", {"fields": ["related"]}),
    ]


@admin.register(VendorStatusChange)
class VendorStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["vendor", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    search_fields = ["vendor__name", "reason"]
    list_select_related = ["vendor", "changed_by"]
