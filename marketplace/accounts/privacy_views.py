"""Your data and privacy: download everything as JSON; delete the account after a confirmation step."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .privacy import ErasureRefused, account_erase, account_export_json, erasure_refusals

CONFIRM_WORD = "DELETE"


class AccountDeleteForm(forms.Form):
    """Reviews: keep or remove, no default (the person must choose). Confirmation: the password, or for
    an account without one (signed up through a link), the word DELETE typed out."""

    reviews = forms.ChoiceField(
        label="Your reviews",
        choices=[("keep", "Keep them, shown as by “Former customer”"), ("remove", "Remove them")],
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.CharField(label=f"Type {CONFIRM_WORD} to confirm")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            del self.fields["confirm"]
        else:
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That isn't your password.")
        return password

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != CONFIRM_WORD:
            raise forms.ValidationError(f"Type {CONFIRM_WORD} in capitals to confirm.")
        return CONFIRM_WORD


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
