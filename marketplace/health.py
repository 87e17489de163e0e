"""``GET /api/health``: what a load balancer and an on-call person need to know.

Each probe runs in its own thread and gets about a second; a probe that has
not answered by then counts as down, so a hung dependency cannot hang the
health check. Only the database makes the site unusable (503); anything else
down means degraded (200), because the site still serves pages without it.
"""

import time
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

PROBE_TIMEOUT_SECONDS = 1.0
_executor = ThreadPoolExecutor(max_workers=10, thread_name_prefix="health")


def probe_database() -> dict:
    try:
        # SET LOCAL: the timeout ends with the transaction. A plain SET stayed on the pooled connection,
        # and whichever request borrowed it next had its statements cut off after a second.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1000")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # the probe thread's connection goes back to the pool
    return {"status": "up"}


def probe_cache() -> dict:
    if settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        # django-redis swallows errors (IGNORE_EXCEPTIONS); ask Redis itself.
        cache.client.get_client(write=True).ping()
        return {"status": "up", "backend": "redis"}
    cache.set("health:probe", "1", 5)
    return {"status": "up" if cache.get("health:probe") == "1" else "down", "backend": "local memory"}


def probe_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "disabled", "detail": "tasks run inline (no REDIS_URL)"}
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT_SECONDS)
    return {"status": "up"}


def probe_storage() -> dict:
    default_storage.exists("health/probe")
    return {"status": "up", "backend": default_storage.__class__.__name__}


def probe_stripe() -> dict:
    from marketplace.stripe_client import stripe_client

    client = stripe_client(timeout=PROBE_TIMEOUT_SECONDS, max_network_retries=0)
    client.v1.customers.list(params={"limit": 1})
    return {"status": "up", "mode": "localstripe" if settings.STRIPE_API_BASE else "stripe"}


PROBES = {
    "database": probe_database,
    "cache": probe_cache,
    "broker": probe_broker,
    "storage": probe_storage,
    "stripe": probe_stripe,
}


def _run(probe) -> dict:
    started = time.perf_counter()
    try:
        result = probe()
    except Exception as exc:  # a probe reports any failure, it never raises
        result = {"status": "down", "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_services() -> dict[str, dict]:
    futures = {name: _executor.submit(_run, probe) for name, probe in PROBES.items()}
    wait(futures.values(), timeout=PROBE_TIMEOUT_SECONDS + 0.2)
    services = {}
    for name, future in futures.items():
        if future.done():
            services[name] = future.result()
        else:
            services[name] = {"status": "down", "error": "timeout"}
    return services


@never_cache
@require_GET
def health(request):
    services = check_services()
    if services["database"]["status"] != "up":
        overall, http_status = "unhealthy", 503
    elif any(s["status"] == "down" for s in services.values()):
        overall, http_status = "degraded", 200
    else:
        overall, http_status = "healthy", 200
    return JsonResponse({"status": overall, "services": services}, status=http_status)
