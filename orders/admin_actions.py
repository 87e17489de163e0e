"""Staff actions on orders in the dashboard: refund (in full, chosen items or an amount) and cancel.

Each asks on a page of its own for a reason (and for a refund, what to refund) before anything moves,
goes through ``orders.staff`` (which checks the role's permission again, then the refund service that
keeps the ledger and Stripe right), and leaves an entry in Django's admin log beside the refund row.
The confirmation page carries a key, so posting it twice refunds once.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from .refunds import order_refundable, refund_key_new, refunded_quantities
from .services import OrderError
from .staff import CANCEL_PERMISSION, REFUND_PERMISSION, order_staff_cancel, order_staff_refund

WHOLE, ITEMS, AMOUNT = "whole", "items", "amount"


class StaffReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), label="Reason (kept with the refund)"
    )
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class StaffRefundForm(StaffReasonForm):
    mode = forms.ChoiceField(
        choices=[(WHOLE, "Everything still refundable"), (ITEMS, "Chosen items"), (AMOUNT, "An amount")],
        initial=WHOLE,
        widget=forms.RadioSelect,
        label="Refund",
    )
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False)
    field_order = ["mode", "amount"]

    def __init__(self, *args, order=None, **kwargs):
        """``order``: the one order selected; items and amounts are offered only for a single order."""
        super().__init__(*args, **kwargs)
        self.item_fields: dict[int, str] = {}
        if order is None:
            self.fields["mode"].choices = self.fields["mode"].choices[:1]
            del self.fields["amount"]
            return
        taken = refunded_quantities(order=order)
        for item in order.items.order_by("pk"):
            left = item.quantity - taken.get(item.pk, 0)
            if left > 0:
                name = f"qty_{item.pk}"
                self.fields[name] = forms.IntegerField(
                    min_value=0, max_value=left, required=False, label=f"{item.title} (up to {left})"
                )
                self.item_fields[item.pk] = name

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == AMOUNT and data.get("amount") is None:
            self.add_error("amount", "Give the amount to refund.")
        if mode == ITEMS and not self.chosen_items():
            self.add_error(None, "Choose how many of which items to refund.")
        return data

    def chosen_items(self) -> dict[int, int]:
        return {pk: self.cleaned_data.get(name) for pk, name in self.item_fields.items() if self.cleaned_data.get(name)}

    def refund_args(self) -> dict:
        mode = self.cleaned_data["mode"]
        if mode == ITEMS:
            return {"items": self.chosen_items()}
        if mode == AMOUNT:
            return {"amount": self.cleaned_data["amount"]}
        return {}


# Offered on the order list and on an order's own page (Django 6.1's change-form actions).
BOTH_PAGES = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


def _confirm_page(modeladmin, request, *, title: str, orders, form, button: str):
    # The order's own page names its action field with a prefix; the page posts back the same way.
    action_field = next((name for name in ("action", "CHANGE_FORM-action") if name in request.POST), "action")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "orders": [(order, order_refundable(order=order)) for order in orders],
        "form": form,
        "button": button,
        "action_field": action_field,
        "action": request.POST.get(action_field),
        "opts": modeladmin.model._meta,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return render(request, "admin/orders/staff_action_confirm.html", context)


def _report(modeladmin, request, order, refund, created: bool, done: str) -> None:
    """The person's message and, for a refund this post made, the admin log entry."""
    if not created:
        modeladmin.message_user(
            request, f"Order {order.number}: this form was sent already; nothing more was refunded.", messages.INFO
        )
        return
    what = f"{done} {refund.amount} {order.currency} (refund {refund.pk}): {refund.reason}"
    modeladmin.log_change(request, order, what)
    modeladmin.message_user(request, f"Order {order.number}: {what}.", messages.SUCCESS)


@admin.action(
    description="Refund this order to the buyer's card…",
    description_plural="Refund selected orders to the buyer's card…",
    permissions=["refund"],
    location=BOTH_PAGES,
)
def refund_orders(modeladmin, request, queryset):
    orders = list(queryset.select_related("vendor").order_by("pk"))
    applying = "apply" in request.POST
    form = StaffRefundForm(
        request.POST if applying else None, order=orders[0] if len(orders) == 1 else None,
        initial={"key": refund_key_new()},
    )  # fmt: skip
    if not (applying and form.is_valid()):
        return _confirm_page(modeladmin, request, title="Refund orders", orders=orders, form=form, button="Refund")
    for order in orders:
        try:
            refund, created = order_staff_refund(
                order=order, by=request.user, request_key=form.cleaned_data["key"],
                reason=form.cleaned_data["reason"], **form.refund_args(),
            )  # fmt: skip
        except OrderError as exc:
            modeladmin.message_user(request, f"Order {order.number}: {exc}", messages.WARNING)
            continue
        _report(modeladmin, request, order, refund, created, "Refunded")
    return None


@admin.action(
    description="Cancel this order and refund it in full…",
    description_plural="Cancel selected orders and refund them in full…",
    permissions=["cancel"],
    location=BOTH_PAGES,
)
def cancel_orders(modeladmin, request, queryset):
    orders = list(queryset.select_related("vendor").order_by("pk"))
    applying = "apply" in request.POST
    form = StaffReasonForm(request.POST if applying else None, initial={"key": refund_key_new()})
    if not (applying and form.is_valid()):
        return _confirm_page(modeladmin, request, title="Cancel orders", orders=orders, form=form, button="Cancel")
    for order in orders:
        try:
            refund, created = order_staff_cancel(
                order=order, by=request.user, request_key=form.cleaned_data["key"], reason=form.cleaned_data["reason"]
            )
        except OrderError as exc:
            modeladmin.message_user(request, f"Order {order.number}: {exc}", messages.WARNING)
            continue
        _report(modeladmin, request, order, refund, created, "Cancelled and refunded")
    return None


class OrderStaffActionsMixin:
    """For ``OrderAdmin``: the actions above are offered only to the roles holding their permission."""

    def has_refund_permission(self, request):
        return request.user.has_perm(REFUND_PERMISSION)

    def has_cancel_permission(self, request):
        return request.user.has_perm(CANCEL_PERMISSION)
