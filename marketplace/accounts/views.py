from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.notifications import notification_for_user, notifications_for_user, notifications_mark_read

from .forms import ApiTokenForm, EmailPreferencesForm
from .models import User
from .selectors import api_token_for_user
from .services import AccountError, api_token_create, api_token_revoke, email_preferences_update


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


# --- Notifications (the bell) ------------------------------------------------------------


@login_required
def notification_list(request):
    page = Paginator(notifications_for_user(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request, notification_id: int):
    """Mark one read; with ``open`` in the form, go on to what it is about."""
    notification = notification_for_user(user=request.user, notification_id=notification_id)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notification{pluralize(count)} marked read." if count else "Nothing unread.")
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def email_preferences(request):
    user = request.user
    form = EmailPreferencesForm(
        request.POST or None, initial={"email_digest": user.email_digest, "email_news": user.email_news}
    )
    if request.method == "POST" and form.is_valid():
        email_preferences_update(
            user=user, digest=form.cleaned_data["email_digest"], news=form.cleaned_data["email_news"]
        )
        messages.success(request, "Email preferences saved.")
        return redirect("email_preferences")
    fields = [(form[name], User._meta.get_field(name)) for name in ("email_digest", "email_news")]
    return render(request, "accounts/email_preferences.html", {"form": form, "fields": fields})
