"""Error pages: HTML in the site's layout, JSON under /api/ (never an HTML page there, DEBUG or not)."""

import json
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render

API_PREFIX = "/api/"

_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "You do not have permission to do that."),
    404: ("not_found", "Not found."),
    429: ("throttled", "Too many attempts in a short time. Wait a few minutes, then try again."),
    500: ("server_error", "Something went wrong on our side. It has been logged."),
}

# The API's codes for an answer Django made before (or instead of) a DRF view: docs/api.md lists them.
_API_ERRORS = {
    400: ("parse_error", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to do that."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "No answer in a media type the request accepts."),
    413: ("too_large", "The request is too large."),
    415: ("unsupported_media_type", "This media type is not accepted here."),
    429: ("throttled", "Too many requests in a short time."),
    500: ("server_error", "Something went wrong on our side. It has been logged."),
}


def api_error_body(status: int) -> dict:
    code, detail = _API_ERRORS.get(status) or (
        ("server_error", "Something went wrong on our side.") if status >= 500 else ("error", HTTPStatus(status).phrase)
    )
    return {"code": code, "detail": detail}


class ApiQueryParametersMiddleware:
    """Under /api/, a query parameter given more than once is a 400 naming it.

    Every parameter of this API takes one value (the schema says so); a view reading
    ``query_params.get`` would otherwise act on the last of them without a word, and a
    client's mistake would look like an empty result.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            repeated = sorted(name for name, values in request.GET.lists() if len(values) > 1)
            if repeated:
                body = {
                    "code": "invalid",
                    "detail": "A query parameter was given more than once.",
                    "errors": {name: ["Give this parameter once."] for name in repeated},
                }
                return JsonResponse(body, status=400)
        return self.get_response(request)


class ApiErrorBodyMiddleware:
    """Under /api/, any 4xx or 5xx that isn't JSON yet gets the API's error body.

    DRF's views answer in JSON themselves (``marketplace.api.exception_handler``); this
    catches what Django answers around them: an unknown path or a 500 in DEBUG (the
    technical HTML pages), a 405 from ``require_POST``, a CSRF refusal, a request Django
    couldn't read. The status and headers (``Allow``, ``Retry-After``...) are kept. Second
    in ``MIDDLEWARE`` (after the request id), so it sees every other layer's answers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and not response.streaming
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            response.content = json.dumps(api_error_body(response.status_code))
            response["Content-Type"] = "application/json"
        return response


def _respond(request, status: int, *, code: str | None = None, detail: str | None = None):
    if request.path.startswith(API_PREFIX):
        body = api_error_body(status)
        return JsonResponse({"code": code or body["code"], "detail": detail or body["detail"]}, status=status)
    code = code or _MESSAGES[status][0]
    detail = detail or _MESSAGES[status][1]
    return render(request, f"{status}.html", {"status": status, "detail": detail}, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        # The API says 413 (what an HTTP client expects); a form page says it in the site's 400 page.
        status = 413 if request.path.startswith(API_PREFIX) else 400
        return _respond(request, status, code="too_large", detail="The request is too large.")
    return _respond(request, 400)


def permission_denied(request, exception=None):
    return _respond(request, 403)


def page_not_found(request, exception=None):
    return _respond(request, 404)


def too_many_requests(request, exception=None):
    """allauth's rate limits (sign-in, sign-up, password reset) answer with this page."""
    return _respond(request, 429)


def server_error(request):
    return _respond(request, 500)


def control_characters(request):
    """A query or form field held a control character (see ``marketplace.control_characters``)."""
    return _respond(
        request,
        400,
        code="control_characters",
        detail="The request contained characters that can't be used in text (control characters such as NUL). "
        "Remove them and try again.",
    )
