"""Whole pages for guests, cached: the shop window (home, search, categories, products, shops).

Most visitors are signed out, and a signed-out visitor's page is the same for everyone but for a
few values: the CSRF token in its forms, the CSP nonce, and what settings.GUEST_PAGE_PERSONAL_VALUES
names (the number on the cart badge, the home page's recently viewed strip). A page rendered for a
guest is rendered with a placeholder in each of those places (the ``context`` processor below),
stored compressed, and each guest's copy gets their own values put back in. A cached page costs
about what the middleware costs (~1 ms of CPU) instead of the 3-13 ms of its view and templates
(``make loadtest LOADTEST_ARGS=--baseline`` compares the two).

Never cached, so never shown to another person:
- a signed-in visitor's page (their name, hearts, follows, their shop's counts);
- a request with a message waiting to be shown ("Added to your cart");
- anything but a GET that answered 200 with HTML; cookies a view set are not kept (a view that
  sets one on every visit says so with ``on_hit``, which runs on a cached copy too).

Fresh: a page is kept with the catalogue version it was drawn under (every product, shop,
category and photo write bumps it, as for the fragments the templates already cache) and any other
version the view names (reviews); the page and the current versions are read in one round trip, and
a page drawn under an older one is drawn again, so an edit shows on the next request. What no
version covers (stock taken by checkouts, the count of items left) is at most
``GUEST_PAGE_CACHE_SECONDS`` old; adding to the cart checks the live stock either way.
"""

import hashlib
import zlib
from collections.abc import Callable, Iterable
from functools import cache as cache_function
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.html import conditional_escape
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from marketplace.cache_versions import CATALOGUE, catalogue_version, catalogue_version_seen

# Characters a template's autoescaping leaves alone, and that no real page contains.
CSRF_PLACEHOLDER = "__guest-page-csrf-token__"
NONCE_PLACEHOLDER = "__guest-page-csp-nonce__"

HIT_HEADER = "X-Page-Cache"
_RENDERING = "_guest_page_rendering"
_READ_WITH_PAGE = "_guest_page_read_with_page"
_KEY_PREFIX = "guestpage:"
# Headers a view may set that belong to the page itself; the middleware adds the rest (security
# headers, CSP, Vary, cookies) to every response, cached or not.
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Link", "X-Robots-Tag")


def placeholder(name: str) -> str:
    return f"__guest-page-{name.replace('_', '-')}__"


@cache_function
def _personal_values() -> dict[str, Callable]:
    """settings.GUEST_PAGE_PERSONAL_VALUES: template variable -> dotted path of ``f(request)`` giving this
    visitor's value. Apps name theirs there (the cart's count), so this core module imports no app.

    A value kept in the cache says so with ``f.page_cache_keys(request)``, the keys it will read: they
    are read in the same round trip as the page, and ``f`` gets them from ``read_with_page``."""
    return {name: import_string(path) for name, path in settings.GUEST_PAGE_PERSONAL_VALUES.items()}


def _keys_read_with_page(request) -> list[str]:
    keys = []
    for value_for in _personal_values().values():
        keys_for = getattr(value_for, "page_cache_keys", None)
        if keys_for is not None:
            keys.extend(keys_for(request))
    return keys


def read_with_page(request, key: str):
    """``key``'s value in the cache: as read together with this request's page when a personal value
    asked for it (``page_cache_keys``), else read now. None when the cache doesn't have it."""
    read = getattr(request, _READ_WITH_PAGE, None)
    if read is not None and key in read[0]:
        return read[1].get(key)
    return cache.get(key)


def context(request) -> dict:
    """Template context processor (last in the list): placeholders while a guest page is rendered for
    the cache, so no one's token, cart or nonce is stored in it."""
    if getattr(request, _RENDERING, False):
        values = {name: placeholder(name) for name in _personal_values()}
        return values | {"csrf_token": CSRF_PLACEHOLDER, "csp_nonce": NONCE_PLACEHOLDER}
    return {}


def guest_page_cache(
    view: Callable | None = None,
    *,
    versions: Iterable[str] = (),
    on_hit: Callable | None = None,
):
    """Cache the view's page for signed-out visitors.

    ``versions``: cache keys of version counters besides the catalogue's that the page depends on.
    ``on_hit(request, response, extra)``: what the view does to every response that a cached copy must
    do too; ``extra`` is what the view put in ``response.guest_page_extra`` when it rendered the page.
    """
    versions = tuple(versions)

    def decorate(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if not _cacheable(request):
                return view_func(request, *args, **kwargs)
            key = _key(request)
            # The page, the versions it must have been drawn under and this visitor's kept values
            # (their cart's count), in one round trip.
            personal = _keys_read_with_page(request)
            found = cache.get_many([key, CATALOGUE, *versions, *personal])
            setattr(request, _READ_WITH_PAGE, (frozenset(personal), found))
            current = (_catalogue(found), *(found.get(name, 0) for name in versions))
            entry = found.get(key)
            if entry is not None and entry.get("versions") != current:
                entry = None  # drawn before an edit (or by an older release): draw it again
            if entry is not None:
                response = _response_from(entry)
                if on_hit is not None:
                    on_hit(request, response, entry["extra"])
                response[HIT_HEADER] = "hit"
            else:
                setattr(request, _RENDERING, True)
                try:
                    response = view_func(request, *args, **kwargs)
                finally:
                    setattr(request, _RENDERING, False)
                if not _storable(response):
                    # Rendered with placeholders but not kept: still personalised below.
                    _personalise(request, response)
                    return response
                # The versions read before drawing: an edit made meanwhile makes the next request draw again.
                cache.set(key, _entry_from(response, current), settings.GUEST_PAGE_CACHE_SECONDS)
                response[HIT_HEADER] = "miss"
            _personalise(request, response)
            return response

        return wrapped

    return decorate(view) if view is not None else decorate


def _cacheable(request) -> bool:
    if settings.GUEST_PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
        return False
    if request.user.is_authenticated:
        return False
    # A message waiting ("Added to your cart") is drawn into the page once: never cache that page,
    # and never serve a cached one that would leave the message unshown. len() doesn't consume them.
    return not len(get_messages(request))


def _catalogue(found: dict) -> int:
    version = found.get(CATALOGUE)
    if version is None:
        return catalogue_version()  # first use, or after a flush: sets one
    catalogue_version_seen(version)  # the fragments drawn in this request read it from memory
    return version


def _key(request) -> str:
    parts = [
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        get_language() or "",
        # An HTMX request for part of the page gets that part: a different answer for the same URL.
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
        request.headers.get("HX-Boosted", ""),
    ]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()
    return _KEY_PREFIX + digest


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and "no-store" not in response.get("Cache-Control", "")
        and "private" not in response.get("Cache-Control", "")
    )


def html_packed(html: str | bytes) -> bytes:
    """HTML as kept in the cache: zlib at its fastest level. A page is ~25-60 KB and a sixth of that
    stored, which matters on a small Redis (Basic C0 has 250 MB for everything); compressing 40 KB
    costs ~0.25 ms of CPU and reading it back ~0.1 ms."""
    return zlib.compress(html.encode() if isinstance(html, str) else html, 1)


def html_unpacked(packed: bytes) -> bytes:
    return zlib.decompress(packed)


def _entry_from(response, versions: tuple) -> dict:
    return {
        "versions": versions,
        "body": html_packed(response.content),
        "headers": [(name, response[name]) for name in _KEPT_HEADERS if response.has_header(name)],
        "extra": getattr(response, "guest_page_extra", None),
    }


def _response_from(entry: dict):
    from django.http import HttpResponse

    response = HttpResponse(html_unpacked(entry["body"]))
    for name, value in entry["headers"]:
        response[name] = value
    return response


def _personalise(request, response) -> None:
    """This visitor's CSRF token, nonce and personal values (cart count) where the placeholders are."""
    body = response.content
    if CSRF_PLACEHOLDER.encode() in body:
        # Also asks the CSRF middleware to send the cookie the token belongs with.
        body = body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    for name, value_for in _personal_values().items():
        marker = placeholder(name).encode()
        if marker in body:
            body = body.replace(marker, conditional_escape(value_for(request)).encode())
    if NONCE_PLACEHOLDER.encode() in body:
        # Reading the request's lazy nonce is what makes the CSP middleware put it in the header.
        body = body.replace(NONCE_PLACEHOLDER.encode(), str(get_nonce(request)).encode())
    response.content = body
    # One visitor's copy (their token, their cart): no shared cache between us and them may keep it.
    patch_cache_control(response, private=True)
