"""The vendor's own product pages: list, bulk publish, create, edit. Owner-only; others get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from vendors.selectors import vendor_for_user

from . import selectors
from .forms import BulkStatusForm, ProductForm
from .models import Product
from .services.products import ProductError, product_bulk_set_status, product_create, product_update


@login_required
def product_list(request):
    vendor = vendor_for_user(user=request.user)
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    products = selectors.product_list_for_vendor_dashboard(vendor=vendor, q=q, status=status)
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    context = {"vendor": vendor, "page": page, "q": q, "status": status, "statuses": Product.Status.choices}
    template = "catalog/dashboard/products.html"
    if request.htmx and request.htmx.target == "product-table":
        template += "#product-table"
    return render(request, template, context)


@login_required
@require_POST
def product_bulk_status(request):
    vendor = vendor_for_user(user=request.user)
    ids = [int(i) for i in request.POST.getlist("products") if i.isdigit()]
    form = BulkStatusForm(request.POST, product_ids=ids)
    if not form.is_valid() or not ids:
        messages.error(request, "Choose some products and an action.")
        return redirect("catalog_dashboard:products")
    status = Product.Status.ACTIVE if form.cleaned_data["action"] == "publish" else Product.Status.DRAFT
    moved = product_bulk_set_status(vendor=vendor, product_ids=form.cleaned_data["products"], status=status)
    messages.success(
        request, f"{moved} product{'s' if moved != 1 else ''} {'published' if status == 'active' else 'unpublished'}."
    )
    return redirect("catalog_dashboard:products")


def _apply_error(form, exc: ProductError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def product_new(request):
    vendor = vendor_for_user(user=request.user)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(vendor=vendor, **form.cleaned_data)
        except ProductError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "Product saved. Add photos next.")
            return redirect("catalog_dashboard:edit", product_id=product.pk)
    return _render_form(request, form, product=None)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, product_id: int):
    product = selectors.product_get_for_owner(user=request.user, product_id=product_id)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_from(product))
    if request.method == "POST" and form.is_valid():
        try:
            product = product_update(product=product, **form.cleaned_data)
        except ProductError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "Product saved.")
            if not request.htmx:
                return redirect("catalog_dashboard:edit", product_id=product.pk)
    return _render_form(request, form, product=product)


def _render_form(request, form, *, product):
    template = "catalog/dashboard/product_form.html"
    if request.htmx:
        template += "#product-form"
    status = 422 if form.errors and request.htmx else 200
    images = list(product.images.all()) if product else []
    return render(request, template, {"form": form, "product": product, "images": images}, status=status)
