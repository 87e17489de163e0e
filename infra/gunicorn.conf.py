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
# Worker class and count, chosen by `make loadtest` (the shopper mix; PostgreSQL, Redis and locust
# share this 2-core machine with gunicorn). 45 s runs taking turns, 4 shoppers, 2026-11-29:
#   sync    3 workers           487 req/s (485-520), p95 23 ms, 2.8 ms CPU/request   <- class chosen
#   gthread 2 x 4 threads       364 req/s (356-386), p95 33 ms, 3.5 ms CPU/request
#   gthread 3 x 1 thread        329 req/s,           p95 32 ms, 3.7 ms CPU/request
#   sync    3, 6 shoppers       505 req/s,           p95 27 ms;  8 shoppers: 436 req/s, p95 37 ms
#   sync    4, 6 shoppers       427 req/s,           p95 37 ms (more processes than cores: switching)
#   sync    2 against 3, later  448 against 429 req/s, p95 20 against 26 ms (2 rounds each)
# gthread costs ~0.7 ms more CPU a request whatever its thread count: the main thread accepts and
# polls, a pool thread serves, and each request crosses between them (a cached page, home only:
# 0.89 ms CPU with sync, 1.22 ms with gthread). Sync is also App Service's own default for Python.
# A sync worker serves one request at a time, so a search nobody asked before runs at one over its
# time: 54 a second (7 ms of the worker's CPU, ~11 ms of PostgreSQL's on the same cores); a gthread
# worker overlaps the wait (88), at 0.7 ms more on every other page. On App Service the database
# is another machine and the 3 processes share one vCPU, so the waits are filled by processes.
# What sync gives up: a worker is held for the whole of a request, a slow upload or Stripe call
# included. Photos are at most 5 MB, the front end relays the body, and a Stripe call made while
# a shopper waits gives up in time (marketplace/stripe_client.py: 3 tries of 8 s); `timeout`
# below ends anything longer. 2 x CPUs + 1 (3 on an S1's vCPU, ~125 MB RSS each, ~375 MB of its
# 1.75 GB) keeps a spare worker for one held by a slow request. GUNICORN_WORKER_CLASS=gthread
# (with GUNICORN_THREADS) is there for a deployment that sees many slow requests.
# Re-checked later the same day on a host that ran the same code about half as fast: cache-miss
# searches 46 a second (sync) against 68 (gthread 1 x 4); the mix 290 req/s, p95 31 ms (sync 2).
# Earlier "sync" runs of this comparison silently ran gthread: gunicorn turns a sync worker with
# threads > 1 into gthread, and this file set 4 (`manage.py loadtest` now passes --threads 1).
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request still running after 30 s is stuck (App Service's front end gives up at 230 s): its
# worker is restarted rather than held for minutes. Keep Stripe's own timeouts under it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a swap or scale-in, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# No keep-alive (a sync worker never keeps one; this is for gthread): a connection is closed
# after its answer, so the next request goes to whichever worker accepts first, an idle one.
# With keep-alive a connection stays on the worker that accepted it, and the kernel hands new
# connections on the shared socket to the same waiting worker again and again: a gthread run
# (4 shoppers) saw one worker serve every request, one core busy and one idle (255 req/s, p95
# 40 ms); closed after each answer, the same run served 434 req/s at p95 26 ms. The cost is a TCP
# handshake per request inside App Service's network, which its front end pays, not the shopper.
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
