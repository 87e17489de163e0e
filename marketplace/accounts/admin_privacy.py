"""Staff's side of "download my data" and "delete my account": User admin actions, the same services as
the person's own page, each use written to the admin log. Erasing asks for confirmation on a page of its
own, showing what would stop it for each account, and the reviews choice the person would have made."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from marketplace.personal_data import personal_data_export

from .privacy import ErasureRefused, account_erase, erasure_refusals


class EraseForm(forms.Form):
    reviews = forms.ChoiceField(
        label="Their reviews",
        choices=[("keep", "Keep them, shown as by “Former customer”"), ("remove", "Remove them")],
        widget=forms.RadioSelect,
        help_text="As the person asked; when they didn't say, keep them.",
        initial="keep",
    )


@admin.action(description="Export personal data (JSON)", permissions=["change"])
def export_personal_data(modeladmin, request, queryset):
    users = list(queryset.order_by("pk"))
    documents = {str(user.pk): personal_data_export(user=user) for user in users}
    for user in users:
        modeladmin.log_change(request, user, "Exported the account's personal data.")
    body = documents[str(users[0].pk)] if len(users) == 1 else {"accounts": documents}
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    name = f"user-{users[0].pk}" if len(users) == 1 else f"{len(users)}-users"
    response["Content-Disposition"] = f'attachment; filename="personal-data-{name}-{timezone.now():%Y-%m-%d}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@admin.action(description="Delete accounts: erase personal data, keep orders anonymised", permissions=["delete"])
def erase_personal_data(modeladmin, request, queryset):
    form = EraseForm(request.POST if "apply" in request.POST else None)
    users = list(queryset.order_by("pk"))
    if "apply" in request.POST and form.is_valid():
        keep = form.cleaned_data["reviews"] == "keep"
        erased = 0
        for user in users:
            if user.pk == request.user.pk:
                modeladmin.message_user(request, f"{user}: not your own account from here.", messages.WARNING)
                continue
            label = str(user)
            try:
                account_erase(user=user, keep_reviews=keep)
            except ErasureRefused as exc:
                modeladmin.message_user(request, f"{label}: {exc}", messages.WARNING)
                continue
            modeladmin.log_change(
                request, user, f"Erased the account's personal data (reviews {'kept' if keep else 'removed'})."
            )
            erased += 1
        if erased:
            modeladmin.message_user(request, f"Deleted {erased} account(s); each was emailed.", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Delete accounts: are you sure?",
        "rows": [(user, erasure_refusals(user=user)) for user in users],
        "form": form,
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return render(request, "admin/accounts/erase_confirmation.html", context)
