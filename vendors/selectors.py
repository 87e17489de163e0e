from django.shortcuts import get_object_or_404

from .models import Vendor


def vendor_get_visible(*, slug: str) -> Vendor:
    """A shop a shopper may see, or 404."""
    return get_object_or_404(Vendor.objects.visible(), slug=slug)
