from django.contrib import messages

from . import recently_viewed
from .services.shopper_lists import shopper_lists_on_sign_in


def shopper_lists_follow_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    product = shopper_lists_on_sign_in(
        user=user, session=request.session, guest_viewed=recently_viewed.guest_ids(request)
    )
    if product is not None:
        messages.success(request, f"“{product.title}” is in your favourites.")
