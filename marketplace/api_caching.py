"""Caching headers on the API's public reads (products, categories, search, shops, reviews).

Every 200 answer to a GET gets a strong ``ETag`` (a hash of the body) and a ``304 Not Modified`` when the
client's ``If-None-Match`` names it, so a poller pays for a body only when it changed. Who may keep it:

- anonymous: ``public, max-age=60``: the answer is the same for everyone, a CDN or proxy may share it for
  a minute (a new product or a price change shows up within that minute);
- signed in (session or token): ``private, no-cache``: the answer may be the caller's own (their drafts,
  their shop's private fields), so only their own client keeps it, and asks again each time (with the
  ETag, cheaply). Never ``public``.

``Vary: Authorization, Cookie`` keeps a shared cache from handing one caller's answer to another
(``Accept-Language`` too, when the site localizes per request).
"""

import functools
import hashlib

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_vary_headers

PUBLIC_MAX_AGE = 60
READS = ("GET", "HEAD")


def _is_personal(request) -> bool:
    return bool(request.user and request.user.is_authenticated) or "Authorization" in request.headers


def caching_headers(request, response):
    """Add ETag, Cache-Control and Vary to a successful read, or answer 304 in its place.

    ``request`` is DRF's (it knows a token's user); ``response`` is finalized (renderable).
    """
    if request.method not in READS or response.status_code != 200 or getattr(response, "streaming", False):
        return response
    vary = ["Authorization", "Cookie"]
    if "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE:
        vary.append("Accept-Language")
    patch_vary_headers(response, vary)
    if _is_personal(request):
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    if hasattr(response, "render"):
        response.render()
    response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
    django_request = getattr(request, "_request", request)
    return get_conditional_response(django_request, etag=response["ETag"], response=response)


class PublicReadCaching:
    """For DRF class views whose GET is a public read: first in the bases."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return caching_headers(request, response)


def public_read_caching(view):
    """For ``@api_view`` functions whose GET is a public read: above ``@api_view`` (below ``@extend_schema``)."""

    @functools.wraps(view)  # keeps .cls, which drf-spectacular's @extend_schema annotates
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        context = getattr(response, "renderer_context", None) or {}
        return caching_headers(context.get("request", request), response)

    return wrapper
