"""What search engines and link previews read: schema.org Product data and Open Graph tags."""

from catalog.models import Product


def product_image_url(image, size: str = "display") -> str:
    from django.core.files.storage import default_storage

    names = (image.renditions or {}).get(size) or {}
    if names.get("jpeg"):
        return default_storage.url(names["jpeg"])
    return image.original.url if image.original else ""


def product_structured_data(*, product: Product, absolute) -> dict:
    """schema.org/Product for one product; ``absolute`` turns a path into a full URL."""
    images = [absolute(product_image_url(image)) for image in product.images.all()]
    if product.made_to_order:
        availability = "https://schema.org/MadeToOrder"
    elif product.stock_quantity > 0:
        availability = "https://schema.org/InStock"
    else:
        availability = "https://schema.org/OutOfStock"
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": product.description[:5000],
        "sku": str(product.pk),
        "image": images,
        "category": product.category.name,
        "brand": {"@type": "Brand", "name": product.vendor.name},
        "offers": {
            "@type": "Offer",
            "url": absolute(product.get_absolute_url()),
            "price": str(product.price),
            "priceCurrency": product.currency,
            "availability": availability,
            "seller": {"@type": "Organization", "name": product.vendor.name},
        },
    }
    if product.rating_count:  # kept by the reviews app; search engines refuse a rating without reviews
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating_avg),
            "reviewCount": product.rating_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data
