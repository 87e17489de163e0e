from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Product
from marketplace.redirects import safe_next_path

from .forms import AddToCartForm, QuantityForm
from .selectors import cart_for_request, cart_item_for_request, cart_summary
from .services import MAX_QUANTITY, CartError, cart_add, cart_item_remove, cart_item_set_quantity


def cart_page(request):
    summary = cart_summary(cart=cart_for_request(request))
    template = "checkout/cart.html"
    if request.htmx:
        template += "#cart"
    return render(request, template, {"summary": summary})


@require_POST
def cart_add_view(request):
    form = AddToCartForm(request.POST)
    back = safe_next_path(request, request.POST.get("next"))
    if not form.is_valid():
        error = f"Choose a quantity from 1 to {MAX_QUANTITY}."
        if request.htmx:
            return render(request, "checkout/_add_result.html", {"error": error}, status=422)
        messages.error(request, error)
        return redirect(back or "checkout:cart")
    product = get_object_or_404(Product.objects.visible().select_related("vendor"), pk=form.cleaned_data["product"])
    try:
        cart_add(cart=cart_for_request(request, create=True), product=product, quantity=form.cleaned_data["quantity"])
    except CartError as exc:
        error = str(exc)
        if request.htmx:
            return render(request, "checkout/_add_result.html", {"error": error, "product": product}, status=422)
        messages.error(request, error)
        return redirect(back or product.get_absolute_url())
    if request.htmx:
        return render(request, "checkout/_add_result.html", {"product": product, "added": True})
    messages.success(request, f"Added {product.title} to your cart.")
    return redirect(back or product.get_absolute_url())


@require_POST
def cart_item_update(request, item_id: int):
    item = cart_item_for_request(request, item_id=item_id)
    refused = False
    if request.POST.get("action") == "remove":
        cart_item_remove(item=item)
    else:
        form = QuantityForm(request.POST)
        if not form.is_valid():
            refused = True
            messages.error(request, f"Quantity must be a whole number from 1 to {MAX_QUANTITY}.")
        else:
            try:
                cart_item_set_quantity(item=item, quantity=form.cleaned_data["quantity"])
            except CartError as exc:
                refused = True
                messages.error(request, f"{item.product.title}: {exc}")
    if request.htmx:
        response = cart_page(request)
        response.status_code = 422 if refused else 200
        return response
    return redirect("checkout:cart")
