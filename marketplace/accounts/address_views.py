"""The address book pages: a list with default/delete buttons (HTMX swaps the list in place; without
JavaScript the buttons post and come back to the page) and one form page for adding or changing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .address_rules import AddressInvalid
from .forms import AddressBookForm
from .selectors import address_for_user, addresses_for_user
from .services import AccountError, address_create, address_delete, address_make_default, address_update


def _saved(request, message: str):
    messages.success(request, message)
    if request.htmx:  # the form was swapped in place: the list is another page, so go there
        return HttpResponseClientRedirect(reverse("addresses"))
    return redirect("addresses")


def _form_page(request, form: AddressBookForm, address):
    template = "accounts/address_form.html" + ("#form" if request.htmx else "")
    return render(request, template, {"form": form, "address": address}, status=422 if form.errors else 200)


def _book(request, status: int = 200):
    template = "accounts/addresses.html"
    if request.htmx:
        template += "#book"
    return render(request, template, {"addresses": addresses_for_user(user=request.user)}, status=status)


@login_required
def address_list(request):
    return _book(request)


def _save(request, form: AddressBookForm, address=None) -> bool:
    data = form.cleaned_data
    try:
        if address is None:
            address_create(
                user=request.user, fields=form.address_values(), label=data["label"], make_default=data["is_default"]
            )
        else:
            address_update(
                address=address, fields=form.address_values(), label=data["label"], make_default=data["is_default"]
            )
    except AddressInvalid as exc:
        for field, message in exc.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return False
    except AccountError as exc:
        form.add_error(None, str(exc))
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request):
    form = AddressBookForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        return _saved(request, "Address saved.")
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, address_id: int):
    address = address_for_user(user=request.user, address_id=address_id)
    initial = {**address.as_fields(), "label": address.label, "is_default": address.is_default}
    form = AddressBookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, address):
        return _saved(request, "Address updated. Orders already placed keep the address they were sent to.")
    return _form_page(request, form, address)


@login_required
@require_POST
def address_default(request, address_id: int):
    address = address_make_default(address=address_for_user(user=request.user, address_id=address_id))
    if request.htmx:
        return _book(request)
    messages.success(request, f"{address.label or address.name}: now your default address.")
    return redirect("addresses")


@login_required
@require_POST
def address_remove(request, address_id: int):
    address_delete(address=address_for_user(user=request.user, address_id=address_id))
    if request.htmx:
        return _book(request)
    messages.success(request, "Address deleted. Orders already placed keep the address they were sent to.")
    return redirect("addresses")
