from django.conf import settings
from django.utils.functional import SimpleLazyObject

from marketplace.notifications import notification_unread_count


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "CURRENCY": settings.MARKETPLACE_CURRENCY,
        "PLATFORM_FEE_PERCENT": (settings.PLATFORM_FEE_RATE * 100).normalize(),
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_ATTRIBUTION": settings.MAP_ATTRIBUTION,
    }


def notifications(request):
    # Lazy: only pages that draw the bell (signed in) pay for the count.
    return {"unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=request.user))}
