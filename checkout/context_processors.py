from django.utils.functional import SimpleLazyObject

from .selectors import cart_item_count


def cart(request):
    # Lazy: pages that don't show the count don't pay for the query.
    return {"cart_count": SimpleLazyObject(lambda: cart_item_count(request))}
