"""API-wide conventions: every error is JSON with a stable ``code`` field; one pagination shape; bounded bodies.

The style itself (casing, money, timestamps, the error codes) is written down in ``docs/api.md``.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, pagination, parsers, serializers, status, throttling
from rest_framework.response import Response
from rest_framework.utils import json
from rest_framework.utils.urls import remove_query_param, replace_query_param

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


def _messages(value, where: str = "") -> list[str]:
    """A field's errors as a flat list of text; a nested one says where (``[1]`` of a list, ``.city``)."""
    if isinstance(value, dict):
        return [
            message
            for key, nested in value.items()
            for message in _messages(nested, f"{where}[{key}]" if str(key).isdigit() else f"{where}.{key}")
        ]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item, where)]
    return [f"{where.lstrip('.')} {value}" if where else str(value)]


def exception_handler(exc, context):
    """DRF's handler, reshaped to ``{"code": ..., "detail": ..., "errors"?: {...}}``."""
    # Django's own refusals while DRF reads the body; handled here, DEBUG would answer them in HTML.
    if isinstance(exc, SuspiciousOperation):  # logged where Django would have logged it
        logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
    if isinstance(exc, RequestDataTooBig):
        return error_response("too_large", "The request is too large.", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        return error_response("parse_error", "The request could not be understood.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES (this module's parser) as it loads,
    # so importing it at the top is circular whenever DRF's settings load this module first.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        errors = {str(name): _messages(value) for name, value in data.items()}
        body = {"code": "invalid", "detail": "The request has invalid fields.", "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
        body = {"code": _first_code(exc.get_codes()), "detail": str(detail)}
    response.data = body
    return response


def error_response(code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"code": code, "detail": detail, **extra}, status=http_status)


# The base of every request body: a field it doesn't declare is refused by name.
#
# DRF drops unknown fields quietly, so a misspelt or renamed field (``unitPrice``, ``product``)
# would do nothing without a word; like Stripe, the API answers 400 ``invalid`` with
# ``errors: {"that_field": ["Unknown field."]}``. The schema says ``additionalProperties: false``.
# ``accepts_also`` names fields read elsewhere in the request (files, say). (A comment, not a
# docstring: drf-spectacular would copy a docstring into every request body's description.)
class InputSerializer(serializers.Serializer):
    accepts_also: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - set(self.accepts_also))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """The one error body (the schema's ``Error`` component): every 4xx and 5xx under ``/api/``."""

    code = serializers.CharField(help_text="Stable, machine-readable: `invalid`, `not_found`, ... (docs/api.md)")
    detail = serializers.CharField(help_text="For people; may change wording")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per field, keyed by the request's own parameter or field name",
    )


class Pages(pagination.PageNumberPagination):
    """The one pagination of every list: ``?page=`` (from 1) and ``?page_size=`` (default 24, at most 100).

    A ``page_size`` or ``page`` that isn't a whole number in range is a 400 ``invalid`` naming it
    (DRF's stock class would clamp the size quietly); a page past the end is a 404 ``not_found``.
    Search pages in SQL and answers the same, through ``size_from`` and ``links``.
    """

    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = 100

    @classmethod
    def size_from(cls, request) -> int:
        if cls.page_size_query_param not in request.query_params:
            return cls.page_size
        raw = request.query_params[cls.page_size_query_param]  # present but empty is refused below
        if not raw.isdigit() or not 1 <= int(raw) <= cls.max_page_size:
            message = f"page_size is a whole number from 1 to {cls.max_page_size}."
            raise exceptions.ValidationError({cls.page_size_query_param: [message]})
        return int(raw)

    @classmethod
    def number_from(cls, request) -> int:
        if cls.page_query_param not in request.query_params:
            return 1
        raw = request.query_params[cls.page_query_param]  # present but empty is refused below
        if not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError({cls.page_query_param: ["page is a whole number from 1."]})
        return int(raw)

    def get_page_size(self, request):
        return self.size_from(request)

    def paginate_queryset(self, queryset, request, view=None):
        self.number_from(request)  # malformed: 400 naming ``page``; past the end: DRF's 404
        return super().paginate_queryset(queryset, request, view)

    @classmethod
    def links(cls, request, *, number: int, pages: int) -> tuple[str | None, str | None]:
        """``(next, previous)`` for a list paginated elsewhere (search pages in SQL)."""
        url = request.build_absolute_uri()
        following = replace_query_param(url, cls.page_query_param, number + 1) if number < pages else None
        if number <= 1:
            return following, None
        if number == 2:
            return following, remove_query_param(url, cls.page_query_param)
        return following, replace_query_param(url, cls.page_query_param, number - 1)

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        body["required"] = ["count", "next", "previous", "results"]
        return body

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Results per page, 1 to {self.max_page_size} (default {self.page_size})"
        return parameters


def paginated(serializer_class, name: str):
    """The schema of a ``Pages`` answer for views that paginate by hand (function views, ``APIView``)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


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


def page_parameters() -> list:
    """``page`` and ``page_size`` for the schema of a view that paginates by hand."""
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number, from 1"),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": Pages.max_page_size},
            description=f"Results per page, 1 to {Pages.max_page_size} (default {Pages.page_size})",
        ),
    ]
