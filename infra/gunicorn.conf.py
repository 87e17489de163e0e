"""gunicorn settings for the container (App Service or anywhere); each value can be overridden
from the environment. Read by infra/entrypoint.sh `web`."""

import os


def _cpus() -> int:
    # The CPUs this process may run on (a container's quota shows here), not the host's.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# gunicorn's rule of thumb, 2 x CPUs + 1: an App Service S1 instance (1 vCPU) runs 3.
# Threaded workers (gthread, 4 threads), chosen by `make loadtest` (the shopper mix, 8
# shoppers, 2 workers, everything on one shared 2-core machine, load average 4-5):
#   gthread 2 x 4 threads  135 req/s, p95 120 ms, 11.0 ms CPU/request, workers busy 1.45 cores
#   sync    2              120 req/s, p95 110 ms,  9.9 ms CPU/request, workers busy 1.15 cores
#   gthread 4 x 2 threads   62 req/s, p95 270 ms (four processes fighting PostgreSQL, Redis and
#                                     the load generator for two cores)
# A sync worker sits idle while its one request waits on PostgreSQL or Redis; threads fill
# that wait with another request, for ~1 ms more CPU per request (the GIL's hand-overs) and
# no more memory (each worker ~125-130 MB RSS; 3 on an S1 ~400 MB of its 1.75 GB). Python
# Repeated when the machine was quieter (02:14-02:21 UTC, load 3.6-6.5, 45-120 s runs):
# gthread 2 x 4 with 4 shoppers 163 req/s p95 55 ms (with 8: 89 req/s p95 180 ms, load 6.5);
# sync 2 with 8 shoppers 130 req/s p95 92 ms; gthread 3 x 4 135 req/s p95 130 ms with one
# worker never handed a connection (keep-alive clients stay on the worker that accepted them).
# Every run was ~10-11 ms of gunicorn CPU per request: the two classes are within this
# machine's noise, and gthread stays for the waits a real database across a network adds.
# CPU is the limit either way, and more processes than cores only added switching here
# (4 x 2 above). An S1 has its vCPU to itself (the database and Redis are other machines), so
# 2 x CPUs + 1 stays for now, the spare worker covering one stuck in a slow request; measured
# on a real S1, CPUs + 1 may do as well with less memory (WEB_CONCURRENCY overrides it).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A request still running after 30 s is stuck (App Service's front end gives up at 230 s);
# the worker is restarted instead of holding a thread for minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a swap or scale-in, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never reaches the instance's memory limit. Not
# every 2,000 requests: a worker serves ~150-300 a second under the load test, and a new one
# costs ~1.4 s of CPU to boot Django plus cold per-process caches, so recycling every few
# seconds spent a fifth of a worker's CPU on restarts. RSS stays flat under load (make loadtest
# prints it), so a recycle every few minutes at peak is plenty.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
# Not preloaded: the database pool starts threads, which a fork would not carry into the
# workers; each worker builds its own.
preload_app = False
# One JSON object per request on stdout, with the request id (marketplace/access_log.py).
accesslog = "-"
errorlog = "-"
logger_class = "marketplace.access_log.JsonAccessLogger"
# App Service's front end is the only client that reaches the container.
forwarded_allow_ips = "*"
# Workers' heartbeat files in memory, not on the container's overlay filesystem (where a
# slow fchmod can make the arbiter think a worker hung). The container's own tmpfs, not a
# directory shared with other users.
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
