"""``manage.py bench_search``: search latency at catalogue scale, against a floor measured in the same run.

Seeds a benchmark catalogue when missing (100K products across 500 shops by
default), runs a fixed query mix through the search selector with the cache
layer off, then the same through HTTP against one gunicorn worker, and prints
p50/p95/p99 with each figure's ratio to a primary-key product lookup.
"""

import http.client
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from tqdm import tqdm

from catalog.models import Product, SearchWord
from catalog.search import product_search, search_params_parse
from marketplace import demo_data
from marketplace.local_services import free_port, port_open, stop_process


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def pick(p):
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return pick(0.50), pick(0.95), pick(0.99)


class Command(BaseCommand):
    help = "Benchmark search (selector and HTTP) on a large catalogue."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument("--shops", type=int, default=500)
        parser.add_argument("--runs", type=int, default=40, help="timed runs per query")
        parser.add_argument("--http-seconds", type=float, default=5.0, help="load per HTTP scenario")
        parser.add_argument("--no-http", action="store_true")
        parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest query")

    def handle(self, *args, products, shops, runs, http_seconds, no_http, explain, **options):
        have = Product.objects.count()
        if have < products:
            self.stdout.write(f"Seeding the benchmark catalogue: {have:,} -> {products:,} products, {shops} shops")
            with tqdm(total=products - have, unit="product") as bar:
                demo_data.ensure_benchmark_catalogue(products=products, shops=shops, progress=bar.update)
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE catalog_product")
        total = Product.objects.count()
        mix = self._query_mix()
        self.stdout.write(f"Catalogue: {total:,} products. Runs per query: {runs}. Cache layer off.\n")

        # .products loads the page's cards: what a page or the API needs before it can answer.
        parsed = [(name, search_params_parse(query)) for name, query in mix]
        jobs = [("product by primary key (floor)", self._pk_lookup)] + [
            (name, lambda p=params: product_search(params=p, use_cache=False).products) for name, params in parsed
        ]
        # The "N results" figure and the facet counts on their own, for the sorts that count first.
        for name, query in [("count + facets only, common word", {"q": "handmade", "sort": "newest"}),
                            ("count + facets only, no words", {"sort": "newest"})]:  # fmt: skip
            params = search_params_parse(query)
            jobs.append((name, lambda p=params: _count_and_facets(p)))
        for _name, job in jobs:
            job()  # warm
        # Round robin: each round runs every query once, so a burst of noise on this
        # shared machine spreads over all of them instead of skewing one.
        samples: dict[str, list[float]] = {name: [] for name, _job in jobs}
        for _round in tqdm(range(runs), desc="rounds", unit="round"):
            for name, job in jobs:
                samples[name] += self._time(job, 5 if job is self._pk_lookup else 1)
        rows = list(samples.items())
        floor = rows[0][1]
        self._table("Server side: search selector incl. count, facets and hydration (ms)", rows, floor)

        if explain:
            slowest = max((r for r in rows if r[0] in dict(mix)), key=lambda r: _percentiles(r[1])[1])
            self._explain(dict(mix)[slowest[0]], slowest[0])
        if not no_http:
            self._http(http_seconds)

    # --- queries -------------------------------------------------------------

    def _query_mix(self) -> list[tuple[str, dict]]:
        words = list(SearchWord.objects.order_by("documents").values_list("word", "documents"))
        total = Product.objects.count()
        with connection.cursor() as cursor:
            # A word in a few dozen products at most (in any field): the long tail people search for.
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT search_vector FROM catalog_product') "
                "WHERE ndoc BETWEEN 3 AND %s AND length(word) > 5 ORDER BY ndoc DESC, word LIMIT 1",
                [max(30, total // 2000)],
            )
            row = cursor.fetchone()
        rare = row[0] if row else words[0][0]
        medium = next((w for w, n in words if n >= total // 100), words[len(words) // 2][0])
        typo = medium[:-2] + medium[-1] + medium[-2] if len(medium) > 4 else medium + "x"
        filters = {"category": "ceramics", "price_min": "20", "price_max": "150", "near": "Bath, GB", "radius_km": "50"}
        mix: list[tuple[str, dict]] = []
        for label, q in [
            (f"rare word '{rare}'", rare),
            (f"medium word '{medium}'", medium),
            ("common word 'handmade'", "handmade"),
            ('phrase "walnut spoon"', '"walnut spoon"'),
            (f"typo '{typo}'", typo),
        ]:
            mix.append((label, {"q": q}))
            mix.append((f"{label} + category, price, 50 km", {"q": q, **filters}))
        for sort in ("price_asc", "price_desc", "newest", "rating"):
            mix.append((f"rare word, sort {sort}", {"q": rare, "sort": sort}))
            mix.append((f"common word, sort {sort}", {"q": "handmade", "sort": sort}))
        mix.append(("common word, 50 km, sort distance", {"q": "handmade", **filters, "sort": "distance"}))
        mix.append(("no words, sort newest", {"sort": "newest"}))
        mix.append(("common word, page 40", {"q": "handmade", "page": "40"}))
        return mix

    def _pk_lookup(self):
        """The floor: one ORM fetch of a random existing product by primary key (chosen before timing)."""
        if not getattr(self, "_pks", None):
            low, high = Product.objects.order_by("pk").first().pk, Product.objects.order_by("pk").last().pk
            sample = random.sample(range(low, high + 1), min(5000, high - low + 1))
            self._pks = list(Product.objects.filter(pk__in=sample).values_list("pk", flat=True))
            random.shuffle(self._pks)
        Product.objects.get(pk=self._pks.pop())

    @staticmethod
    def _time(fn, runs: int) -> list[float]:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    def _table(self, title: str, rows, floor):
        floor_p50 = _percentiles(floor)[0]
        self.stdout.write(f"\n{title}")
        self.stdout.write(f"{'query':58} {'p50':>8} {'p95':>8} {'p99':>8} {'p50/floor':>10}")
        for name, samples in rows:
            p50, p95, p99 = _percentiles(samples)
            self.stdout.write(f"{name[:58]:58} {p50:8.2f} {p95:8.2f} {p99:8.2f} {p50 / floor_p50:9.1f}x")

    def _explain(self, query: dict, name: str):
        """EXPLAIN the statement that orders the page, as ``product_search`` would build it."""
        from dataclasses import replace

        from catalog.search import limits, planner, sql, typos
        from catalog.selectors import category_descendant_ids

        params = search_params_parse(query)
        category_ids = category_descendant_ids(category=params.category) if params.category else None
        where, args = sql.where_clauses(params, category_ids=category_ids, with_text=True)
        rows = sql.capped_rows(where, args)
        if not rows and params.q and (suggestion := typos.query_suggest(params.q)[0]):
            # A typo: the page shows what the corrected words find, so explain that search.
            params = replace(params, q=suggestion)
            where, args = sql.where_clauses(params, category_ids=category_ids, with_text=True)
            rows = sql.capped_rows(where, args)
        offset = (params.page - 1) * limits.PAGE_SIZE
        ranked = planner.ranked_search_sql(params, where, args) if params.sort == "relevance" else None
        if ranked is not None:
            statement, sql_args, _windowed = ranked
        elif len(rows) <= limits.COUNT_CAP:
            statement, sql_args = sql.ids_sql(params, ["p.id = ANY(%s)"], [[row[2] for row in rows]], offset)
        else:
            statement, sql_args = sql.ids_sql(params, where, args, offset)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, sql_args)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        self.stdout.write(f"\nEXPLAIN (ANALYZE, BUFFERS) of the slowest query ({name}; q={params.q!r}):\n{plan}")

    # --- HTTP ----------------------------------------------------------------

    def _http(self, seconds: float):
        product = Product.objects.visible().order_by("?").first()
        scenarios = [
            ("search page 'handmade' + filters", "/search?q=handmade&price_min=20&price_max=150"),
            # A different price each request: every request misses the caches and searches afresh.
            (
                "search page, a new query each time (cache miss)",
                lambda i: f"/search?q=handmade&price_min=20&price_max={150 + i / 100:.2f}",
            ),
            ("search page rare word", f"/search?q={SearchWord.objects.order_by('documents').last().word}"),
            ("product page", product.get_absolute_url()),
        ]
        results = {}
        for pooled in (True, False):
            port = free_port()
            env = {**os.environ, "DATABASE_POOL": "1" if pooled else "0", "CONN_MAX_AGE": "0", "DEBUG": "0"}
            env.setdefault("DATABASE_URL", _database_url())
            server = subprocess.Popen(  # noqa: S603 -- our own gunicorn
                [*GUNICORN, "--bind", f"127.0.0.1:{port}"],
                env=env,
                cwd=Path(settings.BASE_DIR),
                start_new_session=True,
            )
            try:
                deadline = time.monotonic() + 30
                while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
                    time.sleep(0.1)
                for name, path in scenarios if pooled else scenarios[-1:]:
                    results[(name, pooled)] = _load(port, path, seconds)
            finally:
                stop_process(server)
        self.stdout.write("\nHTTP, one gunicorn worker (1 thread), keep-alive client on loopback (ms)")
        self.stdout.write(f"{'scenario':58} {'p50':>8} {'p95':>8} {'p99':>8} {'req/s':>8}")
        for (name, pooled), (samples, rate) in results.items():
            label = f"{name} ({'pooled connection' if pooled else 'new DB connection per request'})"
            p50, p95, p99 = _percentiles(samples)
            self.stdout.write(f"{label[:58]:58} {p50:8.2f} {p95:8.2f} {p99:8.2f} {rate:8.0f}")
        pooled_rate = results[("product page", True)][1]
        fresh_rate = results[("product page", False)][1]
        self.stdout.write(f"product page: pooled / new-connection requests/s = {pooled_rate / fresh_rate:.1f}x")


def _count_and_facets(params):
    from catalog.search import facets, limits, sql

    where, args = sql.where_clauses(params, category_ids=None, with_text=True)
    rows = sql.capped_rows(where, args)
    return min(len(rows), limits.COUNT_CAP), facets.facets_count(rows, params)


GUNICORN = [sys.executable, "-m", "gunicorn", "marketplace.wsgi:application", "--workers", "1", "--threads", "1",
            "--log-level", "warning"]  # fmt: skip


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"]
    host_part = host.replace("/", "%2F") if host.startswith("/") else f"{host}:{db['PORT'] or 5432}"
    return f"postgresql://{db['USER']}@{host_part}/{db['NAME']}"


def _load(port: int, path, seconds: float) -> tuple[list[float], float]:
    """Requests one after another for ``seconds``; ``path`` is a string or a function of the request number."""
    path_for = path if callable(path) else (lambda _i: path)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(5):  # warm up
        conn.request("GET", path_for(-1 - i))
        conn.getresponse().read()
    samples = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        conn.request("GET", path_for(len(samples)))
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        samples.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    conn.close()
    return samples, len(samples) / elapsed if samples else 0.0
