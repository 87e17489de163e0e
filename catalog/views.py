from django.shortcuts import render

from . import selectors, seo


def home(request):
    context = {
        "categories": selectors.category_list_top_level(),
        "new_arrivals": selectors.product_list_new_arrivals(limit=12),
    }
    return render(request, "catalog/home.html", context)


def product_page(request, slug: str):
    product = selectors.product_get_visible(slug=slug)
    images = list(product.images.all())
    # The gallery works without JavaScript: each thumbnail links to ?image=<id>.
    chosen = request.GET.get("image", "")
    main = next((i for i in images if str(i.pk) == chosen), None) or product.primary_image
    context = {
        "product": product,
        "images": images,
        "main_image": main,
        "shipping": selectors.product_shipping_summary(product=product),
        "structured_data": seo.product_structured_data(product=product, absolute=request.build_absolute_uri),
        "og_image": request.build_absolute_uri(seo.product_image_url(main)) if main else "",
    }
    return render(request, "catalog/product.html", context)
