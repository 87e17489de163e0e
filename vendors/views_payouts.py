"""A shop owner's payouts pages (Stripe Connect onboarding, Express dashboard) and the Connect webhook.

Thin on purpose: each view finds the signed-in owner's own shop (``vendor_for_user``;
no view here takes a shop id, so no other shop can be named), calls one service
in ``vendors.services.payouts`` and turns a ``PayoutsError`` into a message.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.emails import absolute_url
from marketplace.stripe_webhooks import stripe_webhook_view

from .connect import SIMULATED_ACCOUNT_PREFIX, ConnectError
from .selectors import vendor_for_user
from .services.payouts import (
    PayoutsError,
    connect_event_handle,
    vendor_payouts_dashboard_url,
    vendor_payouts_onboarding_link,
    vendor_payouts_simulate_complete,
    vendor_payouts_start,
    vendor_payouts_sync,
)

logger = logging.getLogger(__name__)

# Where the owner lands after every payouts step (the vendor dashboard).
DASHBOARD_URL = "/shops/dashboard/"


def _absolute_url(name: str) -> str:
    # Stripe needs absolute return/refresh URLs; SITE_URL rather than the request's
    # Host header, so a forged Host can't send owners elsewhere after onboarding.
    return absolute_url(reverse(name))


def _onboarding_urls() -> dict[str, str]:
    return {"return_url": _absolute_url("payouts_return"), "refresh_url": _absolute_url("payouts_refresh")}


def _go_to_stripe(request, make_url):
    """Redirect to the Stripe URL ``make_url(vendor)`` gives, or back to the dashboard with its refusal."""
    vendor = vendor_for_user(user=request.user)
    try:
        return redirect(make_url(vendor))
    except PayoutsError as exc:
        messages.error(request, str(exc))
        return redirect(DASHBOARD_URL)


@login_required
@require_POST
def payouts_start(request):
    return _go_to_stripe(request, lambda vendor: vendor_payouts_start(vendor=vendor, **_onboarding_urls()))


@login_required
@require_GET
def payouts_return(request):
    """Stripe sends the owner here when they leave onboarding, finished or not: ask Stripe where they got to."""
    vendor = vendor_for_user(user=request.user)
    try:
        vendor = vendor_payouts_sync(vendor=vendor)
    except PayoutsError as exc:
        messages.error(request, str(exc))
        return redirect(DASHBOARD_URL)
    if vendor.payouts_enabled:
        messages.success(request, "Payouts are set up: Stripe will pay your sales into your bank account.")
    else:
        messages.info(
            request,
            "Stripe hasn't finished checking your details yet. If you left before the end, "
            "choose “Set up payouts” to carry on; otherwise Stripe will update us when it's done.",
        )
    return redirect(DASHBOARD_URL)


@login_required
@require_GET
def payouts_refresh(request):
    """Stripe sends the owner here when their onboarding link expired or was used: make a new one."""
    return _go_to_stripe(request, lambda vendor: vendor_payouts_onboarding_link(vendor=vendor, **_onboarding_urls()))


@login_required
@require_POST
def payouts_dashboard(request):
    return _go_to_stripe(request, lambda vendor: vendor_payouts_dashboard_url(vendor=vendor))


@login_required
@require_http_methods(["GET", "POST"])
def payouts_simulated(request):
    """Development only: stands in for Stripe's hosted onboarding (and Express dashboard) when Connect is simulated."""
    if not settings.STRIPE_CONNECT_SIMULATED:
        raise Http404("Stripe Connect is not simulated here.")
    vendor = vendor_for_user(user=request.user)
    account_id = (request.POST if request.method == "POST" else request.GET).get("account", "")
    if not account_id.startswith(SIMULATED_ACCOUNT_PREFIX) or account_id != vendor.stripe_account_id:
        raise Http404("No such simulated account for this shop.")
    if request.method == "POST":
        try:
            vendor_payouts_simulate_complete(vendor=vendor)
        except PayoutsError as exc:
            messages.error(request, str(exc))
            return redirect(DASHBOARD_URL)
        # As Stripe would: back to our return URL, which syncs the (simulated) account.
        return redirect("payouts_return")
    return render(
        request,
        "vendors/payouts_simulated.html",
        {"vendor": vendor, "account_id": account_id, "dashboard": request.GET.get("view") == "dashboard"},
    )


# Connect events: a Connect endpoint has its own signing secret at Stripe, separate from the payments endpoint's.
connect_webhook = stripe_webhook_view(
    name="connect",
    summary="Stripe Connect events (connected accounts, transfers, payouts)",
    secret=lambda: settings.STRIPE_CONNECT_WEBHOOK_SECRET,
    handle=lambda event: connect_event_handle(event=event),
    # ConnectError: a money event's transfer couldn't be read from Stripe just now.
    retry_on=(PayoutsError, ConnectError),
)
