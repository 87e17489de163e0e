"""Shop tools for an order's paperwork: the printable packing slip and the CSV export of a date range."""

import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vendors.selectors import vendor_for_user

from . import selectors
from .export import order_export_rows

EXPORT_MAX_DAYS = 366


@login_required
@require_GET
def packing_slip(request, number: str):
    order = selectors.order_for_shop(vendor=vendor_for_user(user=request.user), number=number)
    return render(request, "orders/packing_slip.html", {"order": order, "checkout": order.checkout})


class ExportForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date is after the end date.")
            if (end - start).days >= EXPORT_MAX_DAYS:
                raise forms.ValidationError(f"Export at most {EXPORT_MAX_DAYS} days at a time.")
        return data


class _Echo:
    """A file-like object for ``csv.writer`` that hands each row back instead of storing it."""

    def write(self, value):
        return value


@login_required
@require_GET
def orders_export(request):
    """Without dates: the form. With a valid range: the CSV, streamed (no size limit on the shop's history)."""
    vendor = vendor_for_user(user=request.user)
    form = ExportForm(request.GET or None)
    if not form.is_valid():
        status = 422 if form.is_bound else 200
        return render(request, "orders/shop_export.html", {"vendor": vendor, "form": form}, status=status)
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    writer = csv.writer(_Echo())
    rows = order_export_rows(vendor=vendor, date_from=start, date_to=end)
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orders-{vendor.slug}-{start}-to-{end}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
