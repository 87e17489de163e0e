import csv
from datetime import date, datetime
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from marketplace.cache_versions import catalogue_changed
from marketplace.models import Notification, StripeEvent


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


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such text is exported
# with a leading apostrophe, which spreadsheets show as text. Numbers (a negative amount) stay numbers.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(CSV_FORMULA_STARTS)


def csv_cell(value) -> str:
    """One exported value: money as a plain decimal (never a float, no currency sign), times in ISO 8601,
    text that a spreadsheet would run as a formula made inert."""
    # Text first, by exact type: most cells are text, and this runs for every cell of 100K-row exports.
    if type(value) is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in _FORMULA_FIRST else text


class _Echo:
    """csv.writer writes into this and gets the line back, so each row is yielded, never stored."""

    def write(self, value):
        return value


class CsvExportMixin:
    """ "Export CSV" on a changelist: the rows the staff member filtered and searched (not the whole table),
    with the columns in ``csv_fields`` (ORM paths such as ``vendor__name``; default ``list_display``'s fields).

    Streamed in chunks through a server-side cursor (``values_list().iterator()``): 100K rows never sit in
    memory, and each row costs no extra query. Allowed to whoever may view the list; recorded in the admin log.
    """

    csv_fields: list[str] = []
    csv_chunk_size = 2000

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = path("export.csv", self.admin_site.admin_view(self.csv_export_view), name=name)
        return [export, *super().get_urls()]

    def has_csv_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def changelist_view(self, request, extra_context=None):
        if self.has_csv_export_permission(request):
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_export", current_app=self.admin_site.name
            )
            query = request.GET.urlencode()
            extra_context = {**(extra_context or {}), "csv_export_url": f"{url}?{query}" if query else url}
        return super().changelist_view(request, extra_context)

    def get_csv_fields(self, request) -> list[str]:
        if self.csv_fields:
            return list(self.csv_fields)
        names = []
        for name in self.get_list_display(request):
            try:
                self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            names.append(name)
        return names

    def _csv_header(self, name: str) -> str:
        try:
            return str(get_fields_from_path(self.model, name)[-1].verbose_name)
        except (FieldDoesNotExist, NotRelationField, AttributeError):
            return name.replace("__", " ").replace("_", " ")

    def csv_export_view(self, request):
        if not self.has_csv_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Those filters don't apply to this list.")
        fields = self.get_csv_fields(request)
        rows = changelist.queryset.values_list(*fields).iterator(chunk_size=self.csv_chunk_size)
        query = request.GET.urlencode()
        LogEntry.objects.create(
            user_id=request.user.pk,
            content_type=ContentType.objects.get_for_model(self.model, for_concrete_model=False),
            object_id=None,
            object_repr=f"CSV export of {self.opts.verbose_name_plural}"[:200],
            action_flag=CHANGE,
            change_message=f"Exported as CSV ({'filters: ' + query if query else 'no filters'})"[:1000],
        )
        writer = csv.writer(_Echo())
        header = [self._csv_header(name) for name in fields]

        def lines():
            # A few hundred rows per chunk: one chunk per row would cost more in the server than the rows do.
            chunk = [writer.writerow(header)]
            for row in rows:
                chunk.append(writer.writerow([csv_cell(value) for value in row]))
                if len(chunk) >= 500:
                    yield "".join(chunk)
                    chunk = []
            yield "".join(chunk)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.opts.model_name}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def admin_change_url(obj) -> str | None:
    """The admin change page of ``obj``, or None if its model isn't in the admin."""
    if obj is None or obj.pk is None:
        return None
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def link_to(field: str, description: str = "", *, ordering: str | None = None):
    """A column (or read-only field) linking to the related object's admin page: ``shop = link_to("vendor")``.

    Follows ``__`` paths (``"order__vendor"``); list the path in ``list_select_related`` so it costs no query.
    """

    def display(self, obj):
        target = obj
        for part in field.split("__"):
            target = getattr(target, part, None)
            if target is None:
                return "—"
        url = admin_change_url(target)
        return format_html('<a href="{}">{}</a>', url, target) if url else str(target)

    display.short_description = description or field.split("__")[-1].replace("_", " ")
    display.admin_order_field = ordering or field
    return display


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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What the site told each person (the bell in the header): read-only, for answering "did they get told?"."""

    list_display = ["created_at", "user", "kind", "text", "read_at", "emailed_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__email", "text"]
    list_select_related = ["user"]
    show_full_result_count = False
