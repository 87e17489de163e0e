"""Checkout pages: address → pay (Stripe.js) → confirmation. Guests and signed-in shoppers alike."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.accounts.address_rules import AddressInvalid
from marketplace.accounts.forms import AddressForm
from marketplace.accounts.selectors import addresses_for_user
from marketplace.accounts.services import AccountError, address_create

from .gateway import PaymentGatewayError
from .models import Checkout
from .payments import (
    AUTHENTICATION_FAILED,
    PaymentError,
    PaymentThrottled,
    checkout_confirm_payment,
    checkout_payment_intent,
    checkout_sync_payment,
)
from .placement import Address, CheckoutError, checkout_expire, checkout_place
from .selectors import SESSION_CHECKOUTS, cart_for_request, cart_summary, checkout_for_request


class CheckoutForm(AddressForm):
    """Email and shipping address. A signed-in shopper with saved addresses picks one (the default is
    preselected) or "a new address"; a new address can be saved to their address book."""

    NEW = "new"

    email = forms.EmailField(help_text="For your receipt and delivery updates.")
    saved_address = forms.ChoiceField(label="Ship to", required=False, widget=forms.RadioSelect)
    save_address = forms.BooleanField(required=False, label="Save this address to my address book")

    field_order = ["email", "saved_address", "name", "line1", "line2", "city", "postcode", "country", "save_address"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        signed_in = user is not None and user.is_authenticated
        self.saved = {str(a.pk): a for a in addresses_for_user(user=user)} if signed_in else {}
        if self.saved:
            choices = [(pk, a.one_line()) for pk, a in self.saved.items()]
            self.fields["saved_address"].choices = [*choices, (self.NEW, "A new address")]
            default = next((pk for pk, a in self.saved.items() if a.is_default), next(iter(self.saved)))
            self.fields["saved_address"].initial = default
        else:
            del self.fields["saved_address"]
        if not signed_in:
            del self.fields["save_address"]

    def chosen_address(self):
        """The saved address picked, or None for a new one."""
        if not self.saved:
            return None
        return self.saved.get(self.data.get(self.add_prefix("saved_address")) or "")

    def address_required(self) -> bool:
        return self.chosen_address() is None

    def address_values(self) -> dict[str, str]:
        chosen = self.chosen_address()
        return chosen.as_fields() if chosen is not None else super().address_values()


@require_http_methods(["GET", "POST"])
def checkout_start(request):
    cart = cart_for_request(request)
    summary = cart_summary(cart=cart)
    if not summary.groups:
        messages.info(request, "Your cart is empty.")
        return redirect("checkout:cart")
    initial = {"email": request.user.email, "name": request.user.name} if request.user.is_authenticated else {}
    form = CheckoutForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address = Address(**form.address_values())
        try:
            checkout = checkout_place(cart=cart, email=data["email"], address=address, user=request.user)
        except CheckoutError as exc:
            messages.error(request, str(exc))
        else:
            if data.get("save_address") and form.chosen_address() is None:
                _address_save(request, address)
            remembered = request.session.get(SESSION_CHECKOUTS, [])
            if checkout.pk not in remembered:
                request.session[SESSION_CHECKOUTS] = [*remembered[-9:], checkout.pk]
            return redirect("checkout:pay", checkout_id=checkout.pk)
    return render(request, "checkout/start.html", {"form": form, "summary": summary})


def _address_save(request, address: Address) -> None:
    """The shopper ticked "save to my address book". The order is placed either way: a full book is
    a message, not a reason to stop them paying."""
    try:
        address_create(user=request.user, fields=address.__dict__)
    except (AccountError, AddressInvalid) as exc:
        messages.warning(request, f"Your address wasn't saved to your address book: {exc}")


def _stripe_csp() -> dict:
    """The site's CSP plus Stripe.js: only on the page that takes the card."""
    js = urlsplit(settings.STRIPE_JS_URL)
    js_origin = f"{js.scheme}://{js.netloc}"
    api = urlsplit(settings.STRIPE_API_BASE) if settings.STRIPE_API_BASE else None
    api_origin = f"{api.scheme}://{api.netloc}" if api else "https://api.stripe.com"
    policy = {k: list(v) for k, v in settings.SECURE_CSP.items()}
    policy["script-src"] = [CSP.SELF, CSP.NONCE, js_origin]
    policy["frame-src"] = [js_origin, "https://hooks.stripe.com"] if not api else [js_origin]
    policy["connect-src"] = [CSP.SELF, api_origin]
    policy["style-src"] = [CSP.SELF, CSP.UNSAFE_INLINE]  # Stripe Elements style their own fields
    return policy


def checkout_pay(request, checkout_id: int):
    checkout = checkout_for_request(request, checkout_id)
    if checkout.status in (Checkout.Status.PAID, Checkout.Status.REFUNDED):
        return redirect("checkout:done", checkout_id=checkout.pk)
    checkout_expire(checkout=checkout)  # past its hold but not yet released by the periodic job
    checkout.refresh_from_db()
    if checkout.status == Checkout.Status.EXPIRED:
        messages.error(request, "This checkout expired before it was paid; its items went back on sale.")
        return redirect("checkout:cart")
    if checkout.status == Checkout.Status.CANCELLED:
        messages.info(request, "Your cart changed, so this checkout was replaced. Check your cart and place it again.")
        return redirect("checkout:cart")
    try:
        _, client_secret = checkout_payment_intent(checkout=checkout)
    except PaymentError as exc:
        messages.error(request, str(exc))
        return redirect("checkout:cart")
    context = {
        "checkout": checkout,
        "orders": checkout.orders.select_related("vendor").prefetch_related("items"),
        "client_secret": client_secret,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    response = render(request, "checkout/pay.html", context)
    response._csp_config = _stripe_csp()
    return response


@require_POST
def checkout_confirm(request, checkout_id: int):
    """The pay page posts the card token Stripe.js made; we confirm the payment with Stripe."""
    checkout = checkout_for_request(request, checkout_id)
    token = request.POST.get("token", "")
    if not token.startswith(("tok_", "pm_")):
        return JsonResponse({"status": "error", "message": "Enter your card details again."}, status=400)
    try:
        outcome = checkout_confirm_payment(
            checkout=checkout, payment_method_id=token, client_key=request.META.get("REMOTE_ADDR", "")
        )
    except PaymentThrottled as exc:
        return JsonResponse({"status": "throttled", "message": str(exc)}, status=429)
    except PaymentError as exc:
        return JsonResponse({"status": "error", "message": str(exc)}, status=502)
    return JsonResponse(outcome)


def checkout_done(request, checkout_id: int):
    checkout = checkout_for_request(request, checkout_id)
    if checkout.payment_intent_id and checkout.status not in (Checkout.Status.PAID, Checkout.Status.REFUNDED):
        # Ask Stripe now rather than wait for the webhook.
        try:
            checkout = checkout_sync_payment(intent_id=checkout.payment_intent_id) or checkout
        except PaymentGatewayError:  # the page still shows what we know; the webhook will follow
            checkout.refresh_from_db()
    orders = list(checkout.orders.select_related("vendor").prefetch_related("items"))
    failure = None
    if checkout.status == Checkout.Status.AWAITING_PAYMENT:
        failure = checkout.payment_records.filter(kind="failed").order_by("-created_at", "-id").first()
        # Only the latest attempt counts: a failure before a successful confirm is history.
        if failure and failure.stripe_id != checkout.payment_attempt:
            failure = None
    context = {
        "checkout": checkout,
        "orders": [o for o in orders if o.status != "cancelled"],
        "cancelled_orders": [o for o in orders if o.status == "cancelled"],
        "failure": failure,
        "authentication_failed": bool(failure and failure.detail == AUTHENTICATION_FAILED),
    }
    return render(request, "checkout/done.html", context)
