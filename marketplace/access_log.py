"""gunicorn's access log as one JSON object a line, carrying the request id.

Django's own log lines are JSON with ``request_id`` in production (``LOGGING`` in settings);
this makes gunicorn's access lines match, so one id joins a request's access line to
everything the app logged while serving it. The id is the ``X-Request-ID`` response header
that ``marketplace.request_id.RequestIdMiddleware`` sets (or the one the client sent, for a
response that never reached Django). Used by ``infra/gunicorn.conf.py`` as ``logger_class``.
"""

import json
from datetime import UTC, datetime

from gunicorn.glogging import Logger

from marketplace.request_id import HEADER


def _header(headers, name: str) -> str | None:
    if hasattr(headers, "items"):
        headers = headers.items()
    name = name.lower()
    for key, value in headers or ():
        if key.lower() == name:
            return value
    return None


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            self.access_log.info(self.access_line(resp, req, environ, request_time))
        except Exception:
            self.exception("Could not write the access log line")

    def access_line(self, resp, req, environ, request_time) -> str:
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = _header(resp.headers, HEADER) or _header(getattr(req, "headers", None), HEADER) or "-"
        method = environ.get("REQUEST_METHOD", "-")
        path = environ.get("PATH_INFO", "")
        duration_ms = round(request_time.total_seconds() * 1000, 1)
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{method} {path} {status}",
            "request_id": request_id,
            "method": method,
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": duration_ms,
            "remote_addr": environ.get("HTTP_X_FORWARDED_FOR") or environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "referer": environ.get("HTTP_REFERER"),
            # "hit" or "miss" for a guest page (marketplace/page_cache.py), else null: the hit ratio.
            "page_cache": _header(resp.headers, "X-Page-Cache"),  # page_cache.HIT_HEADER, not imported
            # here: gunicorn loads this class before Django is set up
        }
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
