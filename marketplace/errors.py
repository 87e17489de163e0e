"""Error pages: HTML in the site's layout, JSON under /api/ (never an HTML page there)."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render

_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "You do not have permission to do that."),
    404: ("not_found", "Not found."),
    429: ("throttled", "Too many attempts in a short time. Wait a few minutes, then try again."),
    500: ("server_error", "Something went wrong on our side. It has been logged."),
}


def _respond(request, status: int, *, code: str | None = None, detail: str | None = None):
    code = code or _MESSAGES[status][0]
    detail = detail or _MESSAGES[status][1]
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    return render(request, f"{status}.html", {"status": status, "detail": detail}, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return _respond(request, 400, code="too_large", detail="The request is too large.")
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
