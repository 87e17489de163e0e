from django.contrib import admin
from django.db import transaction

from marketplace.cache_versions import catalogue_changed
from marketplace.models import StripeEvent


class InvalidatesCatalogueMixin:
    """Staff edits in the dashboard change what shoppers find: drop cached search results."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(catalogue_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(catalogue_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(catalogue_changed)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit trail in the dashboard: staff read it; only the domain's own services write it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProcessedFilter(admin.SimpleListFilter):
    title = "handled"
    parameter_name = "processed"

    def lookups(self, request, model_admin):
        return [("yes", "Handled"), ("no", "Not handled")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(processed_at__isnull=self.value() == "no")
        return queryset


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Every Stripe webhook event received, once each: read-only."""

    list_display = ["received_at", "type", "event_id", "account", "processed_at", "error"]
    list_filter = [ProcessedFilter, "type", "livemode"]
    search_fields = ["event_id", "account"]
