from .models import Cart
from .selectors import SESSION_KEY
from .services import cart_merge


def merge_guest_cart(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_KEY, None)
    guest = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if guest is not None:
        cart_merge(guest_cart=guest, user=user)
