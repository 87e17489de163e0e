from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "CURRENCY": settings.MARKETPLACE_CURRENCY,
        "PLATFORM_FEE_PERCENT": (settings.PLATFORM_FEE_RATE * 100).normalize(),
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_ATTRIBUTION": settings.MAP_ATTRIBUTION,
    }
