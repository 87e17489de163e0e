from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .forms import VendorRegistrationForm, VendorSettingsForm
from .selectors import user_has_shop, vendor_for_user, vendor_map_marker
from .services.shops import VendorError, vendor_image_set, vendor_register, vendor_update


def _form_errors_from(exc: VendorError, form) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    if user_has_shop(user=request.user):
        messages.info(request, "You already have a shop.")
        return redirect("vendors:dashboard")
    form = VendorRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vendor_register(owner=request.user, **form.cleaned_data)
        except VendorError as exc:
            _form_errors_from(exc, form)
        else:
            messages.success(request, "Your shop is open for review. We'll email you when it's approved.")
            if request.htmx:  # a full page change, not a fragment swap
                return HttpResponseClientRedirect(reverse("vendors:dashboard"))
            return redirect("vendors:dashboard")
    template = "vendors/register.html"
    if request.htmx:
        template += "#shop-form"
    return render(request, template, {"form": form}, status=422 if form.errors and request.htmx else 200)


@login_required
def dashboard(request):
    vendor = vendor_for_user(user=request.user)
    # The product counts come from the catalogue's own tag in the template (catalog_dashboard).
    context = {"vendor": vendor, "status_changes": vendor.status_changes.all()[:5]}
    return render(request, "vendors/dashboard.html", context)


@login_required
@require_POST
def shop_image(request, kind: str):
    vendor = vendor_for_user(user=request.user)
    uploaded = request.FILES.get("image")
    if uploaded is None:
        messages.error(request, "Choose an image to upload.")
    else:
        try:
            vendor_image_set(vendor=vendor, kind=kind, uploaded_file=uploaded)
        except VendorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Your {kind} is updated.")
    return redirect("vendors:settings")


@login_required
@require_http_methods(["GET", "POST"])
def shop_settings(request):
    vendor = vendor_for_user(user=request.user)
    initial = {f: getattr(vendor, f) for f in VendorSettingsForm.base_fields}
    form = VendorSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        # The pin counts as moved only if the owner moved it; otherwise a new town re-places it.
        if (changes.get("latitude"), changes.get("longitude")) in ((None, None), (vendor.latitude, vendor.longitude)):
            changes.pop("latitude", None)
            changes.pop("longitude", None)
        try:
            vendor = vendor_update(vendor=vendor, **changes)
        except VendorError as exc:
            _form_errors_from(exc, form)
        else:
            messages.success(request, "Shop settings saved.")
            if not request.htmx:
                return redirect("vendors:settings")
            form = VendorSettingsForm(initial={f: getattr(vendor, f) for f in VendorSettingsForm.base_fields})
    template = "vendors/settings.html"
    if request.htmx:
        template += "#shop-form"
    context = {
        "form": form,
        "vendor": vendor,
        "image_kinds": [("logo", "Logo"), ("banner", "Banner")],
        "shop_marker": vendor_map_marker(vendor=vendor),
    }
    return render(request, template, context, status=422 if form.errors and request.htmx else 200)
