"""Order pages: the shop's inbox and order page (with its actions), the shopper's "Your orders"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from vendors.selectors import vendor_for_user

from . import selectors
from .forms import CancelForm, InboxFilterForm, RefundForm, StatusForm
from .ledger import shop_balance
from .message_views import thread_context
from .models import Dispute
from .refunds import CANCELLABLE, order_cancel, order_refund, order_refundable, refund_key_new
from .services import SHOP_ACTIONS, OrderError, order_shop_action


@login_required
def shop_inbox(request):
    vendor = vendor_for_user(user=request.user)
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    orders = selectors.orders_for_shop(
        vendor=vendor,
        status=filters.get("status") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        q=filters.get("q") or "",
    )
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    context = {"vendor": vendor, "form": form, "page": page, "new_count": selectors.shop_new_order_count(vendor=vendor)}
    template = "orders/shop_inbox.html"
    if request.htmx and request.htmx.target == "order-table":
        template += "#order-table"
    return render(request, template, context)


def _shop_order_context(order, form=None, refund_form=None) -> dict:
    return {
        "order": order,
        "checkout": order.checkout,
        "actions": SHOP_ACTIONS.get(order.status, ()),
        "form": form or StatusForm(),
        **_refund_context(order),
        "refund_form": refund_form,
        **_refund_values(order, refund_form),
        "cancellable": order.status in CANCELLABLE,
        "dispute": order.checkout.disputes.filter(status__in=Dispute.OPEN).first(),
    }


def _refund_values(order, refund_form) -> dict:
    """What the shop typed, put back into the refund form after a refusal: never a different refund than meant.

    (Re-rendered with defaults, a shop choosing "these items" after an error would refund the whole order.)
    """
    data = refund_form.data if refund_form is not None else {}
    return {
        "refund_mode": data.get("mode") if data.get("mode") in ("full", "items", "amount") else "full",
        "refund_lines": [(item, data.get(f"qty_{item.pk}") or "0") for item in order.items.all()],
        "refund_amount": data.get("amount", ""),
        "refund_reason": data.get("reason", ""),
    }


def _refund_context(order) -> dict:
    # A fresh key per rendering of the form: a double click posts the same one (one refund).
    return {
        "refunds": order.refunds.filter(status="succeeded").select_related("by"),
        "refundable": order_refundable(order=order),
        "refund_key": refund_key_new(),
    }


@login_required
def shop_order(request, number: str):
    vendor = vendor_for_user(user=request.user)
    order = selectors.order_for_shop(vendor=vendor, number=number)
    context = {**_shop_order_context(order), **thread_context(order, from_shop=True)}
    return render(request, "orders/shop_order.html", context)


@login_required
@require_POST
def shop_order_status(request, number: str):
    """Mark processing / shipped / delivered. Refusals are shown in place (422), never a 500."""
    vendor = vendor_for_user(user=request.user)
    order = selectors.order_for_shop(vendor=vendor, number=number)
    form = StatusForm(request.POST)
    error = None
    if form.is_valid():
        try:
            order_shop_action(order=order, by=request.user, action=form.cleaned_data["status"], **{
                k: form.cleaned_data[k] for k in ("carrier", "tracking_number", "note")
            })  # fmt: skip
        except OrderError as exc:
            error = str(exc)
    else:
        error = "Choose what to mark the order as."
    if error is None:
        messages.success(request, f"Order {order.number} is now {order.get_status_display().lower()}.")
        if not request.htmx:
            return redirect("orders_shop:order", number=order.number)
        order = selectors.order_for_shop(vendor=vendor, number=number)
        form = None
    elif not request.htmx:
        messages.error(request, error)
        return redirect("orders_shop:order", number=order.number)
    context = {**_shop_order_context(order, form), "error": error}
    return render(request, "orders/shop_order.html#status", context, status=422 if error else 200)


@login_required
def shop_payouts(request):
    """The shop's balance with the platform, every ledger entry, and the transfers among them."""
    vendor = vendor_for_user(user=request.user)
    page = Paginator(selectors.shop_ledger(vendor=vendor), 50).get_page(request.GET.get("page"))
    balance = shop_balance(vendor=vendor)
    context = {
        "vendor": vendor,
        "page": page,
        "balance": balance,
        "owed": -balance,
        "owed_refunds": selectors.shop_owed_refunds(vendor=vendor).select_related("order"),
    }
    return render(request, "orders/shop_payouts.html", context)


@login_required
@require_POST
def shop_order_refund(request, number: str):
    """Refund the whole order, chosen items or an amount; or cancel it (``cancel``), which refunds it all."""
    vendor = vendor_for_user(user=request.user)
    order = selectors.order_for_shop(vendor=vendor, number=number)
    form = RefundForm(request.POST, order=order)
    cancel = "cancel" in request.POST
    error = None
    if cancel:
        cancel_form = CancelForm(request.POST)
        if cancel_form.is_valid():
            try:
                order_cancel(
                    order=order,
                    by=request.user,
                    request_key=cancel_form.cleaned_data["key"],
                    reason=cancel_form.cleaned_data["reason"],
                )
            except OrderError as exc:
                error = str(exc)
        else:
            error = "This form has expired; reload the page and try again."
    elif form.is_valid():
        try:
            order_refund(order=order, by=request.user, **form.refund_kwargs())
        except OrderError as exc:
            error = str(exc)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if error is None:
        done = "cancelled and refunded" if cancel else "refunded"
        messages.success(request, f"Order {order.number} {done}.")
        if not request.htmx:
            return redirect("orders_shop:order", number=order.number)
        order = selectors.order_for_shop(vendor=vendor, number=number)
        form = None
    elif not request.htmx:
        messages.error(request, error)
        return redirect("orders_shop:order", number=order.number)
    context = {**_shop_order_context(order, refund_form=form), "refund_error": error, "oob": True}
    return render(request, "orders/shop_order.html#refund-response", context, status=422 if error else 200)


@login_required
def my_orders(request):
    page = Paginator(selectors.orders_for_shopper(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "orders/my_orders.html", {"page": page})


@login_required
def my_order(request, number: str):
    order = selectors.order_for_shopper(user=request.user, number=number)
    context = {"order": order, "checkout": order.checkout, "cancellable": order.status in CANCELLABLE,
               **_refund_context(order), **thread_context(order, from_shop=False)}  # fmt: skip
    return render(request, "orders/my_order.html", context)


@login_required
@require_POST
def my_order_cancel(request, number: str):
    """The shopper cancels an order that hasn't shipped: that shop's part is refunded in full."""
    order = selectors.order_for_shopper(user=request.user, number=number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "This form has expired; reload the page and try again.")
        return redirect("orders:mine", number=order.number)
    try:
        order_cancel(
            order=order, by=request.user, request_key=form.cleaned_data["key"], reason=form.cleaned_data["reason"]
        )
    except OrderError as exc:
        messages.error(request, str(exc))
        return redirect("orders:mine", number=order.number)
    messages.success(request, f"Order {order.number} is cancelled; {order.total} {order.currency} is on its way back.")
    return redirect("orders:mine", number=order.number)
