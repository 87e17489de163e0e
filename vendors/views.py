from django.core.paginator import Paginator
from django.shortcuts import render

from catalog.selectors import product_list_for_vendor_storefront

from .selectors import vendor_get_visible


def storefront(request, slug: str):
    vendor = vendor_get_visible(slug=slug)
    page = Paginator(product_list_for_vendor_storefront(vendor=vendor), 24).get_page(request.GET.get("page"))
    return render(request, "vendors/storefront.html", {"vendor": vendor, "page": page})
