"""``manage.py bench_pages``: the CPU one request of each kind costs, in this process, through the whole stack.

Where ``loadtest`` measures what the machine sustains (and so depends on everything else running),
this times single requests through Django's WSGI handler (every middleware, the real database and
Redis) with the thread's CPU clock, so two runs compare even on a busy machine. Each kind runs
``--requests`` times; it prints p50/p95 of CPU milliseconds, and the ratio of each kind to a cached
page for a guest without a cart (the floor).

Needs the benchmark catalogue (``make loadtest`` or ``bench_search`` seeds it) and ``REDIS_URL``.
"""

import io
import json
import statistics
import sys
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from catalog.models import Product, SearchWord

HOST = "127.0.0.1:8000"
WARM = 10  # product pages visited before timing: the cached pages the first two kinds read


class _Browser:
    """One visitor: WSGI requests with their own cookies."""

    def __init__(self, app):
        self.app, self.cookies = app, {}

    def request(self, path: str, *, method: str = "GET", data: str = "") -> tuple[int, bytes]:
        path, _, query = path.partition("?")
        body = data.encode()
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "HTTP_HOST": HOST, "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)), "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "HTTP_REFERER": f"http://{HOST}/",
        }  # fmt: skip
        if data:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        content = b"".join(self.app(environ, start_response))
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return answer["status"], content


class Command(BaseCommand):
    help = "CPU per request of each page kind (cached, uncached, cart), through the whole stack in this process."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200)

    def handle(self, *args, requests, **options):
        if not settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
            raise CommandError("Set REDIS_URL: the pages are cached in Redis in production.")
        buyable = Product.objects.visible().filter(Q(made_to_order=True) | Q(stock_quantity__gt=0))
        products = list(buyable.order_by("-id").values_list("pk", "slug")[: WARM + 2 * requests])
        words = list(SearchWord.objects.filter(documents__gte=3).order_by("word").values_list("word", flat=True)[:200])
        if len(products) < WARM + 2 * requests or not words:
            raise CommandError("Seed the benchmark catalogue first (make loadtest, or manage.py bench_search).")
        cache.clear()
        app = WSGIHandler()
        guest, shopper = _Browser(app), _Browser(app)
        warm = [f"/p/{slug}/" for _pk, slug in products[:WARM]]
        for path in warm:
            guest.request(path)
        # Made to order, so 200 adds never run into the stock.
        made = Product.objects.visible().filter(made_to_order=True).values_list("pk", "slug").first()
        if made is None:
            raise CommandError("The benchmark catalogue has no made-to-order product.")
        token = self._add_to_cart(shopper, made)
        shopper.request(warm[0])  # shows (and so uses up) the "added" message

        cold = iter(f"/p/{slug}/" for _pk, slug in products[WARM : WARM + requests])
        fragments_warm = [f"/p/{slug}/" for _pk, slug in products[WARM + requests : WARM + 2 * requests]]
        for path in fragments_warm:  # draws the fragments, then forget the whole pages
            guest.request(path)
        prices = iter(range(10**6))
        kinds = {
            "guest page from the cache (floor)": lambda i: guest.request(warm[i % WARM]),
            "same, guest with a cart": lambda i: shopper.request(warm[i % WARM]),
            "product page, first visit": lambda i: guest.request(next(cold)),
            "product page drawn, fragments cached": lambda i: self._uncached(guest, fragments_warm[i]),
            "search nobody asked before": lambda i: guest.request(
                f"/search?q={words[i % len(words)]}&price_min=20&price_max={150 + next(prices) / 100:.2f}"
            ),
            "add to cart": lambda i: shopper.request(
                "/cart/add", method="POST", data=f"product={made[0]}&quantity=1&csrfmiddlewaretoken={token}"
            ),
            "checkout's first page": lambda i: shopper.request("/cart/checkout/"),
        }
        results = {name: self._time(run, requests) for name, run in kinds.items()}
        floor = statistics.median(results["guest page from the cache (floor)"])
        self.stdout.write(f"{'request':36} {'p50 ms':>7} {'p95 ms':>7} {'x floor':>8}   (CPU, {requests} each)")
        for name, samples in results.items():
            p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20, method="inclusive")[-1]
            self.stdout.write(f"{name:36} {p50:7.2f} {p95:7.2f} {p50 / floor:8.1f}")
        self.stdout.write(json.dumps({name: round(statistics.median(s), 3) for name, s in results.items()}))

    @staticmethod
    def _uncached(browser, path):
        with _page_cache_off():
            return browser.request(path)

    @staticmethod
    def _add_to_cart(browser, product) -> str:
        import re

        status, page = browser.request(f"/p/{product[1]}/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _ = browser.request(
            "/cart/add", method="POST", data=f"product={product[0]}&quantity=1&csrfmiddlewaretoken={token}"
        )
        if status != 302:
            raise CommandError(f"add to cart answered {status}")
        return token

    @staticmethod
    def _time(run, count: int) -> list[float]:
        samples = []
        for i in range(count):
            started = time.thread_time()
            status, _ = run(i)
            samples.append((time.thread_time() - started) * 1000)
            if status not in (200, 302):
                raise CommandError(f"a request answered {status}")
        return samples


@contextmanager
def _page_cache_off():
    before = settings.GUEST_PAGE_CACHE_SECONDS
    settings.GUEST_PAGE_CACHE_SECONDS = 0
    try:
        yield
    finally:
        settings.GUEST_PAGE_CACHE_SECONDS = before
