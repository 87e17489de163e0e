"""Staff actions on products in the dashboard: hide from shoppers and unhide, with a reason.

Through ``product_set_hidden`` (its audit row, the catalogue's cache), never a field write, and in
Django's admin log. A hide is staff's own flag: the maker publishing the product again doesn't undo it.
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from .services.products import ProductError, product_set_hidden


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), label="Reason (kept in the audit)"
    )


def _moderation_action(hidden: bool, label: str):
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not ("apply" in request.POST and form.is_valid()):
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": f"{label}: give a reason",
                "products": queryset.select_related("vendor"),
                "form": form,
                "action": request.POST.get("action"),
                "opts": modeladmin.model._meta,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            }
            return render(request, "admin/catalog/moderation_reason.html", context)
        changed = 0
        for product in queryset.order_by("pk"):
            try:
                product_set_hidden(product=product, hidden=hidden, by=request.user, reason=form.cleaned_data["reason"])
            except ProductError as exc:
                modeladmin.message_user(request, f"{product}: {exc}", messages.WARNING)
                continue
            changed += 1
            modeladmin.log_change(request, product, f"{label}: {' '.join(form.cleaned_data['reason'].split())}")
        if changed:
            modeladmin.message_user(request, f"{label}: {changed} product(s).", messages.SUCCESS)
        return None

    action.__name__ = "hide_products" if hidden else "unhide_products"
    action.short_description = label
    action.allowed_permissions = ("hide",)  # catalog.hide_product: support and admin
    return action


hide_products = _moderation_action(True, "Hide selected products from shoppers")
unhide_products = _moderation_action(False, "Unhide selected products")


class ProductModerationMixin:
    """For ``ProductAdmin``: hiding is offered to the roles holding ``catalog.hide_product``."""

    def has_hide_permission(self, request):
        return request.user.has_perm("catalog.hide_product")
