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
# Threaded workers (gthread, 4 threads), chosen by `make loadtest` (the shopper mix, 8 shoppers,
# 2 workers, PostgreSQL, Redis and locust on the same shared 2-core machine). With whole guest
# pages cached (marketplace/page_cache.py), 45 s runs, 2026-11-29:
#   gthread 2 x 4 threads  315-323 req/s, p95 66-67 ms, 4.3-4.4 ms CPU/request (385 req/s,
#                          p95 56 ms, 3.6 ms once a hit took one Redis round trip, later that day)
#   sync    2              303 req/s, p95 72 ms, 4.5 ms CPU/request
#   sync    3              327 req/s, p95 67 ms, 4.2 ms CPU/request (one worker served nothing)
# In every run the machine was saturated (~1.85 of 2 cores: gunicorn ~1.35, PostgreSQL ~0.25,
# locust ~0.2, Redis ~0.05), so the classes are within its noise; CPU is the limit, not the
# worker model. gthread stays for the waits a real database and Redis across a network add: a
# sync worker sits idle through each one, threads fill them with another request for ~1 ms more
# CPU (the GIL's hand-overs) and no more memory (each worker ~125 MB RSS after 5 minutes of the
# mix; 3 on an S1 ~375 MB of its 1.75 GB). More processes than cores only added switching here
# (gthread 4 x 2 earlier: 62 req/s). An S1 has its vCPU to itself (the database and Redis are
# other machines), so 2 x CPUs + 1 stays, the spare worker covering one stuck in a slow request;
# WEB_CONCURRENCY overrides it. The runs above kept connections alive, which left one worker
# with most of the traffic: see `keepalive` below, the largest single gain.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A request still running after 30 s is stuck (App Service's front end gives up at 230 s);
# the worker is restarted instead of holding a thread for minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a swap or scale-in, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# No keep-alive: a connection is closed after its answer, so each request goes to whichever
# worker accepts first, which is an idle one. With keep-alive a connection stays on the worker
# that accepted it, and the kernel hands new connections on a shared socket to the same
# waiting worker again and again: `make loadtest` (keep-alive, 4 shoppers) saw one worker
# serve every request, GIL-bound at one core, while the other sat idle (255 req/s, p95 40 ms;
# 8 shoppers split 38 s / 16 s of CPU between the two). Closed after each answer, the same
# runs split evenly (27 / 27 s) and served 434 req/s at p95 26 ms (4 shoppers) and 483 req/s
# (8 shoppers), 2026-11-29. The cost is a TCP handshake per request on loopback or inside
# App Service's network, which its front end pays, not the shopper's browser.
# GUNICORN_KEEPALIVE=5 turns it back on.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
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
