from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace import health
from marketplace.accounts import api as accounts_api

admin.site.site_header = f"{settings.SITE_NAME} — platform dashboard"
admin.site.site_title = settings.SITE_NAME

handler400 = "marketplace.errors.bad_request"
handler403 = "marketplace.errors.permission_denied"
handler404 = "marketplace.errors.page_not_found"
handler429 = "marketplace.errors.too_many_requests"  # read by allauth's rate limits, not by Django
handler500 = "marketplace.errors.server_error"

api_routes = [
    path("", include("checkout.urls_webhooks")),
    path("", include("vendors.urls_webhooks")),
    path("me", accounts_api.me, name="api-me"),
    path("", include("marketplace.accounts.api_urls")),  # addresses, me/export
    path("notifications", accounts_api.notification_list, name="api-notifications"),
    path("notifications/read", accounts_api.notification_read, name="api-notifications-read"),
    path("", include("catalog.api.urls")),
    path("", include("vendors.api.urls")),
    path("", include("checkout.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("reviews.api.urls")),
]

urlpatterns = [
    path("shops/dashboard/products/", include("catalog.dashboard_urls")),
    path("shops/dashboard/orders/", include("orders.shop_urls")),
    path("cart/", include("checkout.urls")),
    path("shops/payouts/", include("vendors.urls_payouts")),
    path("shops/", include("vendors.urls")),
    # After shops/: the catalogue mounts each shop's page at /shops/<slug>/.
    path("", include("catalog.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/orders/", include("orders.urls")),
    path("reviews/", include("reviews.urls")),
    path("account/", include("catalog.shopper_urls")),  # favourites, followed shops
    path("account/", include("marketplace.accounts.urls")),
    path(settings.STAFF_URL_PATH, admin.site.urls),
    path("api/health", health.health, name="health"),
    # Every app registers its routes in its own ``<app>/api/urls.py`` (webhooks in ``urls_webhooks.py``);
    # they are mounted twice: ``/api/v1/`` is canonical (the schema lists it), ``/api/`` an alias of it.
    path("api/v1/", include(api_routes)),
    path("api/", include((api_routes, "unversioned"), namespace="unversioned")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split: the page's script is served as a file of its own (/api/docs/?script), so the CSP needs no
    # inline script; the template drops the inline style too.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]

if settings.DEBUG and not settings.AZURE_ACCOUNT_NAME and not settings.AZURE_CONNECTION_STRING:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
