"""A request id on every log line and in the ``X-Request-ID`` response header.

An id sent by the platform's front door (App Service sets ``X-Request-ID``
style headers; so do most proxies) is kept when it looks sane, so one id
follows a request through every hop; otherwise a fresh one is made.
"""

import contextvars
import logging
import re
import uuid

from opentelemetry import trace

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # On the request's telemetry span too (a no-op without Application Insights), to find it by the id a
        # shopper reads off an error page.
        trace.get_current_span().set_attribute("request_id", request_id)
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs after the middleware has returned; its record carries the request.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True
