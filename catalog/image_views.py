"""The vendor's photo manager on the product edit page: upload, alt text, primary, order, delete.

Every action is a plain form post that redirects back (works without
JavaScript); with HTMX, or the uploader script, it answers with the manager
fragment instead. The owner check runs first: another vendor gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from marketplace.images import ImageRejected

from . import selectors
from .models import ProductImage
from .services.images import (
    ProductImageError,
    product_image_add,
    product_image_delete,
    product_image_reorder,
    product_image_set_primary,
    product_image_update_alt,
)


def _image_for_owner(request, product_id: int, image_id: int) -> ProductImage:
    product = selectors.product_get_for_owner(user=request.user, product_id=product_id)
    return get_object_or_404(ProductImage, pk=image_id, product=product)


def _respond(request, product, *, errors=None, status=200):
    if request.htmx or request.headers.get("X-Uploader") == "1":
        context = {"product": product, "images": list(product.images.all()), "upload_errors": errors or []}
        return render(request, "catalog/dashboard/product_form.html#image-manager", context, status=status)
    for error in errors or []:
        messages.error(request, error)
    return redirect("catalog_dashboard:edit", product_id=product.pk)


@login_required
@require_POST
def image_upload(request, product_id: int):
    product = selectors.product_get_for_owner(user=request.user, product_id=product_id)
    files = request.FILES.getlist("images")
    if not files:
        return _respond(request, product, errors=["Choose one or more photos to upload."], status=422)
    errors, added = [], 0
    for uploaded in files:
        try:
            product_image_add(product=product, uploaded_file=uploaded, alt_text=request.POST.get("alt_text", ""))
            added += 1
        except (ImageRejected, ProductImageError) as exc:
            errors.append(f"{uploaded.name}: {exc}")
    if added and not (request.htmx or request.headers.get("X-Uploader") == "1"):
        messages.success(request, f"{added} photo{'s' if added != 1 else ''} added.")
    return _respond(request, product, errors=errors, status=422 if errors and not added else 200)


@login_required
@require_POST
def image_update(request, product_id: int, image_id: int):
    image = _image_for_owner(request, product_id, image_id)
    action = request.POST.get("action", "")
    try:
        if action == "primary":
            product_image_set_primary(image=image)
        elif action == "alt":
            product_image_update_alt(image=image, alt_text=request.POST.get("alt_text", ""))
        elif action == "delete":
            product_image_delete(image=image)
        elif action in ("up", "down"):
            ids = list(image.product.images.values_list("pk", flat=True))
            i = ids.index(image.pk)
            j = i - 1 if action == "up" else i + 1
            if 0 <= j < len(ids):
                ids[i], ids[j] = ids[j], ids[i]
                product_image_reorder(product=image.product, ordered_ids=ids)
        else:
            return _respond(request, image.product, errors=["Unknown action."], status=422)
    except ProductImageError as exc:
        return _respond(request, image.product, errors=[str(exc)], status=422)
    return _respond(request, image.product)


@login_required
@require_POST
def image_reorder(request, product_id: int):
    product = selectors.product_get_for_owner(user=request.user, product_id=product_id)
    try:
        ids = [int(i) for i in request.POST.getlist("order")]
        product_image_reorder(product=product, ordered_ids=ids)
    except (ValueError, ProductImageError) as exc:
        return _respond(
            request, product, errors=[str(exc) if isinstance(exc, ProductImageError) else "Bad order."], status=422
        )
    return _respond(request, product)
