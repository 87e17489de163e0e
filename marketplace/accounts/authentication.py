import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from marketplace.client_ip import client_ip

from .models import ApiToken


class _FailedAttempts:
    """Failed token checks per client address, in a fixed window (cache: atomic add + incr).

    Guessing tokens is refused for the rest of the window once the client has
    failed ``API_AUTH_FAILURE_LIMIT`` times in ``API_AUTH_FAILURE_WINDOW`` seconds.
    """

    def __init__(self, request):
        ip = client_ip(request)
        self.count_key = f"api-auth-failures:{ip}"
        self.started_key = f"api-auth-failures-since:{ip}"

    def refuse_if_over_limit(self) -> None:
        if (cache.get(self.count_key) or 0) >= settings.API_AUTH_FAILURE_LIMIT:
            started = cache.get(self.started_key) or time.time()
            wait = max(1, int(started + settings.API_AUTH_FAILURE_WINDOW - time.time()))
            raise exceptions.Throttled(wait=wait, detail="Too many failed sign-ins from this address.")

    def record(self) -> None:
        window = settings.API_AUTH_FAILURE_WINDOW
        cache.add(self.started_key, time.time(), timeout=window)
        if cache.add(self.count_key, 1, timeout=window):
            return
        try:
            cache.incr(self.count_key)
        except ValueError:  # expired between add and incr: a new window
            cache.add(self.count_key, 1, timeout=window)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer mkt_…`` (or ``Token mkt_…``) against hashed tokens.

    Wrong or malformed tokens count against the client's address (``_FailedAttempts``);
    over the limit, every token from that address gets 429 until the window ends. Refusals
    keep DRF's code, ``authentication_failed`` (the list in docs/api.md).
    """

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        attempts = _FailedAttempts(request)
        attempts.refuse_if_over_limit()
        if len(header) != 2:
            attempts.record()
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(header[1])).first()
        if token is None or not token.user.is_active:
            attempts.record()
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        # Write last-use at most once a minute so a busy script doesn't turn every read into a write.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with the CSRF check for guests as well.

    DRF checks CSRF only when the session belongs to a signed-in user. A guest's
    session holds their cart, so a forged cross-site write would change it: every
    unsafe request that reaches this class (no API token was given) must carry
    the CSRF token, signed in or not. Safe methods pass as before.
    """

    def authenticate(self, request):
        self.enforce_csrf(request)
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        return (user, None)


class SessionAuthenticationScheme(SessionScheme):
    """The schema describes it as DRF's cookie scheme."""

    target_class = SessionAuthentication


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema: ``Token`` or ``Bearer``, both accepted, the same key."""

    target_class = ApiTokenAuthentication
    name = ["token", "bearer"]

    def get_security_requirement(self, auto_schema):
        return [{"token": []}, {"bearer": []}]

    def get_security_definition(self, auto_schema):
        same = "A personal API token from the account page (`mkt_…`); both spellings take the same key."
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": f"`Authorization: Token mkt_…`. {same}",
            },
            {"type": "http", "scheme": "bearer", "description": f"`Authorization: Bearer mkt_…`. {same}"},
        ]
