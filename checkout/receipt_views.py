"""``/cart/orders/<token>/``: the confirmation page again, reached from the signed link in the receipt, with
the guest's "Your orders" (each shop's order, its status timeline and tracking); and one order's page with its
message thread to the shop, for buyers without an account."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orders.conversation import order_message_post
from orders.forms import MessageForm
from orders.message_views import thread_context_for
from orders.selectors import order_for_checkout, orders_for_checkout
from orders.services import OrderError

from .order_links import checkout_for_token

_EXPIRED = (
    "This order link has expired or isn't valid. Use the newest email about your order, "
    "or contact us with your order number."
)


def _link_invalid(request):
    return render(request, "404.html", {"status": 404, "detail": _EXPIRED}, status=404)


@never_cache  # a shipping address behind a bearer link: no shared or browser cache keeps it
@require_GET
def checkout_view_signed(request, token: str):
    checkout = checkout_for_token(token=token)
    if checkout is None:
        return _link_invalid(request)
    orders = checkout.orders.select_related("vendor").prefetch_related("items").order_by("pk")
    context = {
        "checkout": checkout,
        "orders": orders,
        "via_link": True,
        # The guest's "Your orders": each shop's order with its status timeline and tracking.
        "followed_orders": orders_for_checkout(checkout=checkout),
        "token": token,
    }
    return render(request, "checkout/done.html", context)


def _order_page(request, *, token, checkout, order, form=None, error=None, status=200):
    post_url = reverse("checkout:order_message", args=[token, order.number])
    context = {
        "checkout": checkout,
        "order": order,
        "token": token,
        **thread_context_for(order, post_url=post_url, from_shop=False, form=form, error=error),
    }
    template = "checkout/guest_order.html" + ("#messages" if request.htmx else "")
    return render(request, template, context, status=status)


@never_cache
@require_GET
def checkout_order_signed(request, token: str, number: str):
    """One order of the linked checkout: timeline, tracking, items, and the thread with its shop."""
    checkout = checkout_for_token(token=token)
    if checkout is None:
        return _link_invalid(request)
    order = order_for_checkout(checkout=checkout, number=number)
    return _order_page(request, token=token, checkout=checkout, order=order)


@never_cache
@require_POST
def checkout_order_signed_message(request, token: str, number: str):
    """A guest's message to the shop: the link is their proof of being the buyer. Refusals in place (422)."""
    checkout = checkout_for_token(token=token)
    if checkout is None:
        return _link_invalid(request)
    order = order_for_checkout(checkout=checkout, number=number)
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            order_message_post(order=order, by=None, body=form.cleaned_data["body"], from_shop=False)
        except OrderError as exc:
            error = str(exc)
    else:
        error = "Write a message first."
    if error is None and not request.htmx:
        return redirect(reverse("checkout:view_order", args=[token, order.number]) + "#messages")
    return _order_page(
        request, token=token, checkout=checkout, order=order,
        form=form if error else None, error=error, status=422 if error else 200,
    )  # fmt: skip
