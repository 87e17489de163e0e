from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Category

PAGE_SIZE = 24


def home(request):
    context = {
        "categories": selectors.category_list_top_level(),
        "new_arrivals": selectors.product_list_new_arrivals(limit=12),
    }
    return render(request, "catalog/home.html", context)


def category_page(request, slug: str):
    category = get_object_or_404(Category, slug=slug)
    page = Paginator(selectors.product_list_for_category(category=category), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"category": category, "page": page, "children": category.children.all()}
    return render(request, "catalog/category.html", context)


def product_page(request, slug: str):
    product = selectors.product_get_visible(slug=slug)
    return render(request, "catalog/product.html", {"product": product})
