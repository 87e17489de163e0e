"""gunicorn's access log: one JSON object per request, carrying the request id the app used."""

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from marketplace.access_log import JsonAccessLogger


def _logger():
    cfg = Config()
    cfg.set("accesslog", "-")
    return JsonAccessLogger(cfg)


def _exchange(*, response_headers, request_headers=(), path="/search", query="q=mug", status="200 OK"):
    resp = SimpleNamespace(status=status, headers=list(response_headers), sent=5120)
    req = SimpleNamespace(headers=list(request_headers))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": f"{path}?{query}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "169.254.129.1",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9:51234",
        "HTTP_USER_AGENT": 'Mozilla/5.0 "quoted"',
    }
    return resp, req, environ, timedelta(milliseconds=42, microseconds=300)


def test_line_is_json_with_the_request_id_from_the_response():
    line = _logger().access_line(*_exchange(response_headers=[("X-Request-ID", "abc123def456")]))
    record = json.loads(line)
    assert record["request_id"] == "abc123def456"
    assert record["logger"] == "gunicorn.access" and record["level"] == "INFO"
    assert (record["method"], record["path"], record["query"], record["status"]) == ("GET", "/search", "q=mug", 200)
    assert record["duration_ms"] == 42.3 and record["bytes"] == 5120
    assert record["remote_addr"] == "203.0.113.9:51234"
    assert record["user_agent"] == 'Mozilla/5.0 "quoted"'  # quotes stay valid JSON
    assert record["message"] == "GET /search 200"
    assert record["page_cache"] is None


def test_line_says_whether_a_guest_page_came_from_the_cache():
    """The hit ratio of marketplace/page_cache.py, for the logs (and the load test's report)."""
    line = _logger().access_line(*_exchange(response_headers=[("X-Page-Cache", "hit")]))
    assert json.loads(line)["page_cache"] == "hit"


def test_request_id_falls_back_to_the_one_the_client_sent():
    exchange = _exchange(response_headers=[], request_headers=[("X-REQUEST-ID", "front-door-id-1")], status="400")
    assert json.loads(_logger().access_line(*exchange))["request_id"] == "front-door-id-1"
    assert json.loads(_logger().access_line(*_exchange(response_headers=[])))["request_id"] == "-"


def test_access_writes_one_line_to_gunicorn_access_log():
    logger = _logger()
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    keep = Keep()
    logger.access_log.addHandler(keep)
    try:
        logger.access(*_exchange(response_headers=[("X-Request-ID", "req-000111222")], path='/a"b'))
    finally:
        logger.access_log.removeHandler(keep)
    (line,) = lines
    assert json.loads(line)["path"] == '/a"b'
