from django.utils.functional import SimpleLazyObject

from .selectors import user_has_shop


def shop(request):
    # Lazy: the query runs once, and only on pages that show the maker's link.
    return {"has_shop": SimpleLazyObject(lambda: user_has_shop(user=request.user))}
