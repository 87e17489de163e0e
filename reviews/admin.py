"""Staff moderation: the queue of reported reviews, hide/restore with a reason (audited through the service)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.shortcuts import render

from marketplace.admin import CsvExportMixin, link_to

from .models import Review, ReviewModeration, ReviewPhoto, ReviewReport, ShopReply
from .services import ReviewError, review_set_hidden


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), label="Reason (kept in the audit)")


def _moderation_action(hidden: bool, label: str):
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            changed = 0
            for review in queryset:
                try:
                    review_set_hidden(review=review, hidden=hidden, by=request.user, reason=form.cleaned_data["reason"])
                    changed += 1
                    # Django's admin log beside the service's own audit row (ReviewModeration).
                    modeladmin.log_change(request, review, f"{label}: {form.cleaned_data['reason'].strip()}")
                except ReviewError as exc:
                    modeladmin.message_user(request, f"Review {review.pk}: {exc}", messages.WARNING)
            if changed:
                modeladmin.message_user(request, f"{label}: {changed} review(s).", messages.SUCCESS)
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label}: give a reason",
            "reviews": queryset.select_related("product"),
            "form": form,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return render(request, "admin/reviews/moderation_reason.html", context)

    action.__name__ = "hide_reviews" if hidden else "restore_reviews"
    action.short_description = label
    action.allowed_permissions = ("change",)  # staff roles: support and admin, never view-only staff
    return action


class ReportedFilter(admin.SimpleListFilter):
    """The moderation queue: reviews with open reports (the default view staff start from)."""

    title = "reports"
    parameter_name = "reports"

    def lookups(self, request, model_admin):
        return [("open", "Open reports"), ("any", "Ever reported")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(open_reports__gt=0)
        if self.value() == "any":
            return queryset.filter(reports__isnull=False).distinct()
        return queryset


class ReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    can_delete = False
    readonly_fields = ["reporter", "reason", "note", "created_at", "resolved_at"]

    def has_add_permission(self, request, obj=None):
        return False


class ShopReplyInline(admin.StackedInline):
    """The shop's public answer: the shop's words, read-only here."""

    model = ShopReply
    extra = 0
    can_delete = False
    readonly_fields = ["author", "text", "created_at", "updated_at"]

    def has_add_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    can_delete = False
    fields = readonly_fields = ["original", "width", "height", "position"]

    def has_add_permission(self, request, obj=None):
        return False


class ModerationInline(admin.TabularInline):
    model = ReviewModeration
    extra = 0
    can_delete = False
    readonly_fields = ["action", "reason", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(CsvExportMixin, admin.ModelAdmin):
    list_display = ["id", "for_product", "shop", "rating", "title", "author", "open_reports", "is_hidden",
                    "created_at"]  # fmt: skip
    list_filter = [ReportedFilter, "is_hidden", "rating", "created_at"]
    search_fields = ["title", "text", "author__email", "product__title", "vendor__name"]
    csv_fields = ["id", "product", "product__title", "vendor__name", "author__email", "rating", "title", "text",
                  "helpful_count", "is_hidden", "hidden_reason", "created_at"]  # fmt: skip
    for_product = link_to("product", "product")
    shop = link_to("vendor", "shop")
    # Text is the author's and the aggregates are the service's: staff change a review only by hiding it.
    readonly_fields = ["order_item", "product", "vendor", "author", "rating", "title", "text", "helpful_count",
                       "is_hidden", "hidden_reason", "created_at", "updated_at"]  # fmt: skip
    inlines = [ShopReplyInline, PhotoInline, ReportInline, ModerationInline]
    actions = [
        _moderation_action(True, "Hide selected reviews"),
        _moderation_action(False, "Restore selected reviews"),
    ]

    def get_queryset(self, request):
        open_reports = Count("reports", filter=Q(reports__resolved_at__isnull=True))
        queryset = super().get_queryset(request).select_related("product", "vendor", "author")
        return queryset.annotate(open_reports=open_reports)

    @admin.display(ordering="open_reports", description="Open reports")
    def open_reports(self, review):
        return review.open_reports

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
