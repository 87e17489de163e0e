"""Your data and privacy: download everything as JSON; delete the account after a confirmation step."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .forms import AccountDeleteForm
from .privacy import ErasureRefused, account_erase, account_export_json, erasure_refusals


@login_required
@require_http_methods(["GET", "POST"])
def privacy_page(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    refusals = erasure_refusals(user=request.user)
    if request.method == "POST" and not refusals and form.is_valid():
        user = request.user
        try:
            account_erase(user=user, keep_reviews=form.cleaned_data["reviews"] == "keep")
        except ErasureRefused as exc:  # something changed since the page was shown
            refusals = exc.reasons
        else:
            logout(request)
            messages.success(request, "Your account has been deleted. We've emailed you to confirm it.")
            return redirect("/")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/privacy.html", {"form": form, "refusals": refusals}, status=status)


@login_required
@require_GET
def privacy_export(request):
    response = HttpResponse(account_export_json(user=request.user), content_type="application/json; charset=utf-8")
    filename = f"artisan-market-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
