"""``/cart/orders/<token>/``: the confirmation page again, reached from the signed link in the receipt."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .order_links import checkout_for_token


@never_cache  # a shipping address behind a bearer link: no shared or browser cache keeps it
@require_GET
def checkout_view_signed(request, token: str):
    checkout = checkout_for_token(token=token)
    if checkout is None:
        detail = (
            "This order link has expired or isn't valid. Use the newest email about your order, "
            "or contact us with your order number."
        )
        return render(request, "404.html", {"status": 404, "detail": detail}, status=404)
    orders = checkout.orders.select_related("vendor").prefetch_related("items").order_by("pk")
    return render(request, "checkout/done.html", {"checkout": checkout, "orders": orders, "via_link": True})
