"""Posting to an order's thread, from the shopper's order page and from the shop's (HTMX or plain form).

Access is the order pages' own: ``order_for_shopper`` / ``order_for_shop`` (404 for anyone else).
A refused message is shown in place with 422: the fragment for HTMX, the whole page without JS.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from vendors.selectors import vendor_for_user

from . import selectors
from .conversation import order_message_post, order_messages
from .forms import MessageForm
from .services import OrderError


def thread_context(order, *, from_shop: bool, form=None, error=None) -> dict:
    url_name = "orders_shop:messages" if from_shop else "orders:messages"
    return thread_context_for(order, post_url=reverse(url_name, args=[order.number]), from_shop=from_shop,
                              form=form, error=error)  # fmt: skip


def thread_context_for(order, *, post_url: str, from_shop: bool, form=None, error=None) -> dict:
    """What ``orders/_thread.html`` draws, posting to ``post_url`` (also used by the guest's signed page)."""
    return {
        "thread": order_messages(order=order),
        "thread_form": form or MessageForm(),
        "thread_error": error,
        "thread_post_url": post_url,
        "viewer_is_shop": from_shop,
    }


def _post(request, order, *, from_shop: bool, page_template: str, page_context: dict, redirect_to: str):
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            order_message_post(order=order, by=request.user, body=form.cleaned_data["body"], from_shop=from_shop)
        except OrderError as exc:
            error = str(exc)
    else:
        error = "Write a message first."
    if error is None:
        if not request.htmx:
            return redirect(redirect_to + "#messages")
        form = None
    context = {**page_context, **thread_context(order, from_shop=from_shop, form=form, error=error)}
    template = page_template + "#messages" if request.htmx else page_template
    return render(request, template, context, status=422 if error else 200)


@login_required
@require_POST
def my_order_message(request, number: str):
    order = selectors.order_for_shopper(user=request.user, number=number)
    return _post(
        request, order, from_shop=False, page_template="orders/my_order.html",
        page_context={"order": order, "checkout": order.checkout}, redirect_to=order.get_absolute_url(),
    )  # fmt: skip


@login_required
@require_POST
def shop_order_message(request, number: str):
    from .views import _shop_order_context  # the order page's context; views imports this module

    order = selectors.order_for_shop(vendor=vendor_for_user(user=request.user), number=number)
    return _post(
        request, order, from_shop=True, page_template="orders/shop_order.html",
        page_context=_shop_order_context(order), redirect_to=reverse("orders_shop:order", args=[order.number]),
    )  # fmt: skip
