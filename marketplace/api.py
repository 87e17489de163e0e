"""API-wide conventions: every error is JSON with a stable ``code`` field; request bodies are bounded."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, parsers, status, throttling
from rest_framework.response import Response
from rest_framework.utils import json
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.client_ip import client_ip
from marketplace.control_characters import has_control_characters


def _first_code(codes) -> str:
    if isinstance(codes, str):
        return codes
    if isinstance(codes, dict):
        return "invalid"
    if isinstance(codes, list) and codes:
        return _first_code(codes[0])
    return "error"


def exception_handler(exc, context):
    """DRF's handler, reshaped to ``{"code": ..., "detail": ..., "errors"?: {...}}``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "detail": "The request has invalid fields.", "errors": response.data}
        if isinstance(response.data, list):
            body["errors"] = {"non_field_errors": response.data}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
        body = {"code": _first_code(exc.get_codes()), "detail": str(detail)}
    response.data = body
    return response


def error_response(code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"code": code, "detail": detail, **extra}, status=http_status)


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits on nesting depth, and no control characters in strings.

    Python's decoder recurses once per level, so ``[[[[…]]]]`` 100,000 deep is a
    ``RecursionError`` (a 500) in the stock parser. Nothing the API takes is
    nested more than a few levels; ``max_depth`` leaves room and refuses the rest.
    Strings (keys too) may hold tab, CR and LF, like a form's textarea. The body's
    size is bounded before this runs: DRF reads it through ``request.body``, which
    refuses more than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``errors.bad_request`` says so).
    """

    max_depth = 20

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.loads(
                stream.read().decode(encoding), parse_constant=json.strict_constant if self.strict else None
            )
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested more than {self.max_depth} levels deep.") from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        self._check(data)
        return data

    def _check(self, data) -> None:
        # Iterative, so checking a deep document cannot recurse either.
        pending = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if isinstance(value, dict | list):
                if depth > self.max_depth:
                    raise exceptions.ParseError(f"JSON nested more than {self.max_depth} levels deep.")
                if isinstance(value, dict):
                    pending.extend((key, depth) for key in value)
                    pending.extend((item, depth + 1) for item in value.values())
                else:
                    pending.extend((item, depth + 1) for item in value)
            elif isinstance(value, str) and has_control_characters(value, allow_line_breaks=True):
                raise exceptions.ParseError("Text may not contain control characters such as NUL.")


class ReportsRateLimit:
    """Notes each rate limit that applied to the request, for ``marketplace.api_headers`` to announce.

    Mixed into a DRF ``SimpleRateThrottle`` (before it in the bases): after DRF counted the request, the
    throttle's history holds what was used of the window, this request included.
    """

    def allow_request(self, request, view):
        self.key = None
        allowed = super().allow_request(request, view)
        if self.key is not None:  # the throttle applied (it has a rate and a key for this caller)
            used = len(self.history)
            notes = request._request.__dict__.setdefault("rate_limits", [])
            notes.append((self.num_requests, max(0, self.num_requests - used)))
        return allowed


class AnonRateThrottle(ReportsRateLimit, throttling.AnonRateThrottle):
    """Keyed on ``client_ip``: DRF's own ident believes any ``X-Forwarded-For`` a client sends."""

    def get_ident(self, request):
        return client_ip(request)


class UserRateThrottle(ReportsRateLimit, throttling.UserRateThrottle):
    def get_ident(self, request):
        return client_ip(request)


class ScopedRateThrottle(ReportsRateLimit, throttling.ScopedRateThrottle):
    """DRF's per-view scope (``throttle_scope``), keyed on ``client_ip`` for anonymous callers."""

    def get_ident(self, request):
        return client_ip(request)
