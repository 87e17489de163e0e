import pytest
from django.db.backends.postgresql.base import DatabaseWrapper
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db(transaction=True)


def test_all_services_up_is_healthy(client, localstripe, redis_cache):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy", body
    assert body["services"]["database"]["status"] == "up"
    assert body["services"]["cache"] == {"status": "up", "backend": "redis", "ms": body["services"]["cache"]["ms"]}
    assert body["services"]["stripe"]["status"] == "up"
    assert body["services"]["stripe"]["mode"] == "localstripe"
    assert body["services"]["broker"]["status"] == "disabled"  # eager mode in tests
    assert response["Cache-Control"].startswith("max-age=0")


def test_redis_down_is_degraded_but_still_200(client, localstripe, settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    caches._settings = None
    try:
        response = client.get("/api/health")
    finally:
        caches._settings = None
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["services"]["cache"]["status"] == "down"
    assert body["services"]["database"]["status"] == "up"


def test_broker_down_is_degraded(client, localstripe, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = client.get("/api/health").json()
    assert body["status"] == "degraded"
    assert body["services"]["broker"]["status"] == "down"


def test_broker_up_on_real_redis(client, localstripe, redis_url, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url
    body = client.get("/api/health").json()
    assert body["services"]["broker"]["status"] == "up"


def test_database_down_is_unhealthy_503(client, localstripe, monkeypatch):
    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(DatabaseWrapper, "ensure_connection", refuse)
    response = client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["services"]["database"] == {
        "status": "down",
        "error": "OperationalError",
        "ms": body["services"]["database"]["ms"],
    }


def test_a_hung_probe_is_cut_off_at_about_a_second(client, localstripe, monkeypatch):
    import threading

    from marketplace import health

    release = threading.Event()
    monkeypatch.setitem(health.PROBES, "storage", lambda: release.wait(5) or {"status": "up"})
    try:
        response = client.get("/api/health")
    finally:
        release.set()
    body = response.json()
    assert body["services"]["storage"] == {"status": "down", "error": "timeout"}
    assert body["status"] == "degraded"


def test_stripe_unreachable_is_degraded(client, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:1"
    body = client.get("/api/health").json()
    assert body["services"]["stripe"]["status"] == "down"
    assert body["status"] == "degraded"
