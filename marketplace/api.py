"""API-wide conventions: every error is JSON with a stable ``code`` field."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
