from django.db import transaction

from marketplace.cache_versions import catalogue_changed


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
