"""Where a user-given ``next`` may send someone: only to a path on this site.

Every view that redirects to a URL taken from the request goes through ``safe_next_path``,
so the rule (and its refusals: other hosts, scheme-relative ``//host``, ``/\\host`` that
browsers read as ``//host``, schemes like ``javascript:``, bare words like ``foo`` that
``redirect()`` would try to reverse) is written once.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_path(request, value: str | None) -> str | None:
    """``value`` if it is a same-site absolute path such as ``/search?q=mug``, else ``None``."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return value
