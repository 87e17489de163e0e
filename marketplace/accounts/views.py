from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import ApiTokenForm
from .selectors import api_token_for_user
from .services import AccountError, api_token_create, api_token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def account_page(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        except AccountError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, "Token created. Copy it now: it will not be shown again.")
            form = ApiTokenForm()
    tokens = request.user.api_tokens.active()
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    template = "accounts/account.html"
    if request.htmx:
        template += "#tokens"
    return render(request, template, context, status=422 if form.errors and request.htmx else 200)


@login_required
@require_POST
def api_token_revoke_view(request, token_id: int):
    token = api_token_for_user(user=request.user, token_id=token_id)
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("account")
