from django.core.cache import cache
from django.db import transaction

from .models import Cart
from .selectors import CART_COUNT_SECONDS, SESSION_KEY, cart_count_key, guest_cart_count
from .services import cart_merge


def merge_guest_cart(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_KEY, None)
    guest = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if guest is not None:
        cart_merge(guest_cart=guest, user=user)


def cart_count_changed(sender, instance, **kwargs):
    """A line of a cart (or the cart) was saved or deleted, by any path: the shopper, a paid checkout
    taking sold items out, staff, a cascade. The kept count (selectors.cart_item_count) goes at once,
    so this transaction reads its own change; after the commit the new count is kept, where a reader
    that counted before the commit can't replace it (selectors.store_counted)."""
    cart_id = instance.pk if sender is Cart else instance.cart_id
    key = cart_count_key(cart_id)
    cache.delete(key)
    # robust: the change is committed; a failure to keep its count is logged, never the shopper's error.
    transaction.on_commit(lambda: cache.set(key, guest_cart_count(cart_id), CART_COUNT_SECONDS), robust=True)
