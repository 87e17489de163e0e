"""The client's address, for rate limits: one rule for the API's throttles and allauth's limits.

``X-Forwarded-For`` is written by whoever sends the request, so only the hops
our own proxies appended are believed: with ``TRUSTED_PROXY_COUNT=n`` the n-th
address from the right (App Service's front end appends one, with the client's
port). Anything else, or no header, falls back to the socket's ``REMOTE_ADDR``.
allauth reads the same count (``ALLAUTH_TRUSTED_PROXY_COUNT`` in settings).
"""

import ipaddress

from django.conf import settings


def _address(hop: str) -> str | None:
    hop = hop.strip()
    if hop.startswith("["):  # [v6]:port
        hop = hop[1 : hop.find("]")] if "]" in hop else ""
    elif hop.count(":") == 1:  # v4:port
        hop = hop.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted and forwarded:
        hops = forwarded.split(",")
        if len(hops) >= trusted:
            return _address(hops[-trusted]) or remote
    return remote
