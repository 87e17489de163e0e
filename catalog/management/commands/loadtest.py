"""``manage.py loadtest``: the shopper mix (perf/locustfile.py) against gunicorn on loopback.

Tops the database up to the benchmark catalogue (as ``bench_search`` does), writes the
pages to ask for, starts gunicorn with ``infra/gunicorn.conf.py`` on 127.0.0.1, a Celery
worker and beat, runs locust headless for a bounded time, then prints p50/p95/p99 and
requests/s per page, the failures, and the resident memory of every process.

Everything listens on and connects to 127.0.0.1 only. ``make loadtest`` runs this with
locust from its own venv (``--locust``).
"""

import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil
from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Q
from tqdm import tqdm

from catalog.models import Category, Product, SearchWord
from marketplace import demo_data
from marketplace.local_services import free_port, port_open, stop_process
from vendors.models import Vendor

HOST = "127.0.0.1"  # loopback only: never serve or aim the load anywhere else
# locust user classes in perf/locustfile.py
MIXES = {"shoppers": "Shopper", "html": "HtmlBrowser", "cache-miss": "CacheMissSearcher"}


class Command(BaseCommand):
    help = "Load-test the shopper mix against gunicorn (2 workers) on loopback and report latency and memory."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument("--shops", type=int, default=500)
        parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOADTEST_SECONDS", "60")))
        parser.add_argument(
            "--warmup",
            type=int,
            default=int(os.environ.get("LOADTEST_WARMUP_SECONDS", "15")),
            help="seconds of the same mix before the measured run (fills the caches; not reported)",
        )
        parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", "8")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("LOADTEST_WORKERS", "2")))
        parser.add_argument("--worker-class", default=os.environ.get("LOADTEST_WORKER_CLASS", ""))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("LOADTEST_THREADS", "0")))
        parser.add_argument(
            "--mix",
            choices=sorted(MIXES),
            default="shoppers",
            help="shoppers: the page mix; html: the same without add to cart and checkout; "
            "cache-miss: a search never asked before, every request",
        )
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="first run the same mix with the guest page cache off, then as configured, and compare",
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=int(os.environ.get("LOADTEST_ROUNDS", "1")),
            help="run the variants this many times, taking turns, and report each one's median: on a shared "
            "machine one run can be a fifth slower than the next",
        )
        parser.add_argument("--locust", default=os.environ.get("LOCUST", "locust"), help="the locust executable")
        parser.add_argument("--out", default="var/loadtest")

    def handle(
        self,
        *args,
        products,
        shops,
        seconds,
        warmup,
        users,
        workers,
        worker_class,
        threads,
        mix,
        locust,
        out,
        baseline=False,
        rounds=1,
        **options,
    ):
        if rounds < 1:
            raise CommandError("--rounds must be at least 1.")
        if not settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
            raise CommandError(
                "Set REDIS_URL (e.g. redis://127.0.0.1:6379/10): the load test measures the Redis cache."
            )
        out_dir = Path(settings.BASE_DIR) / out
        out_dir.mkdir(parents=True, exist_ok=True)
        self._catalogue(products, shops)
        targets = out_dir / "targets.json"
        targets.write_text(json.dumps(self._targets()), encoding="utf-8")
        # The baseline first, in the same run: the same mix with whole-page caching for guests off.
        variants = [("baseline: guest page cache off", {"GUEST_PAGE_CACHE_SECONDS": "0"})] if baseline else []
        variants.append(("as configured", {}))
        results: dict[str, list[dict]] = {label: [] for label, _ in variants}
        run = dict(workers=workers, worker_class=worker_class, threads=threads, users=users, warmup=warmup)
        # Variants take turns (baseline, configured, baseline, ...), so a slow spell of a shared machine
        # falls on both rather than on one.
        for number in range(1, rounds + 1):
            for label, overrides in variants:
                self.stdout.write(f"\n== {label}" + (f" (round {number} of {rounds})" if rounds > 1 else ""))
                results[label].append(self._run(label, overrides, run, seconds, mix, locust, targets, out_dir)[1])
        medians = {label: _medians(runs) for label, runs in results.items()}
        if rounds > 1:
            self._report_rounds(results, medians)
        if baseline:
            base, ours = medians.values()
            self.stdout.write(
                f"\nAs configured against the baseline{' (medians)' if rounds > 1 else ''}: "
                f"{ours['rps'] / base['rps']:.2f}x the requests/s, "
                f"p95 {ours['p95']:g} ms against {base['p95']:g} ms, "
                f"web CPU per request {ours['cpu_ms']:.1f} ms against {base['cpu_ms']:.1f} ms"
            )

    def _report_rounds(self, results: dict[str, list[dict]], medians: dict[str, dict]) -> None:
        self.stdout.write(f"\nEach variant over {len(next(iter(results.values())))} rounds: median (lowest-highest)")
        self.stdout.write(f"{'variant':32} {'req/s':>22} {'p95 ms':>16} {'web CPU ms/request':>22}")
        for label, runs in results.items():
            cells = []
            for key, width, fmt in (("rps", 22, "{:.1f}"), ("p95", 16, "{:g}"), ("cpu_ms", 22, "{:.2f}")):
                values = [r[key] for r in runs]
                text = f"{fmt.format(medians[label][key])} ({fmt.format(min(values))}-{fmt.format(max(values))})"
                cells.append(f"{text:>{width}}")
            self.stdout.write(f"{label[:32]:32} {' '.join(cells)}")

    def _run(self, label, overrides, run, seconds, mix, locust, targets, out_dir) -> tuple[str, dict]:
        cache.clear()  # every run starts cold, so two runs compare
        workers, worker_class, threads, users, warmup = (
            run["workers"], run["worker_class"], run["threads"], run["users"], run["warmup"]
        )  # fmt: skip
        port = free_port()
        env = {**os.environ, "DEBUG": "0", "WEB_CONCURRENCY": str(workers), "PYTHONUNBUFFERED": "1", **overrides}
        env.setdefault("DATABASE_URL", _database_url())
        if worker_class == "sync" and not threads:
            # gunicorn.conf.py's threads would quietly turn sync into gthread: gunicorn does that for
            # any sync worker with more than one thread.
            threads = 1
        web_cmd = _web_command(port, worker_class, threads)
        celery = [sys.executable, "-m", "celery", "-A", "marketplace"]
        commands = {
            "web": web_cmd,
            "celery worker": [*celery, "worker", "-l", "WARNING", "--concurrency", "2"],
            "celery beat": [*celery, "beat", "-l", "WARNING", "--schedule", str(out_dir / "celerybeat-schedule")],
        }
        processes: dict[str, subprocess.Popen] = {}
        try:
            for name, cmd in commands.items():
                log = open(out_dir / f"{name.replace(' ', '-')}.log", "w")  # noqa: SIM115 -- the child's
                processes[name] = subprocess.Popen(  # noqa: S603 -- our own processes
                    cmd, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            self._wait(processes["web"], port)
            self.stdout.write(
                f"gunicorn on http://{HOST}:{port}: {workers} workers ({worker_class or 'class from gunicorn.conf.py'}"
                f"{f', {threads} threads' if threads else ''}); "
                f"locust: {users} users, {warmup} s warm-up, {seconds} s measured"
            )
            prefix = out_dir / "locust"
            if warmup:
                self._locust(locust, port, users, warmup, targets, out_dir / "warmup", MIXES[mix])
            before = {name: _usage_tree(process) for name, process in processes.items()}
            services_before = _local_services_cpu()
            web_log = out_dir / "web.log"
            log_offset = web_log.stat().st_size
            locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            status = self._locust(locust, port, users, seconds, targets, prefix, MIXES[mix])
            locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            after = {name: _usage_tree(process) for name, process in processes.items()}
            services_after = _local_services_cpu()
            # CPU seconds each process spent in the measured run: on a shared machine the
            # requests per CPU-second say more about capacity than the wall-clock rate.
            usage = {
                name: [(label, rss, cpu - before[name].get(label, (0, 0.0))[1]) for label, (rss, cpu) in found.items()]
                for name, found in after.items()
            }
            # PostgreSQL and Redis on this machine share its cores with gunicorn and locust.
            for service, cpu in services_after.items():
                usage[service] = [("(all processes, this machine)", 0, cpu - services_before.get(service, 0.0))]
            usage["locust"] = [
                (
                    "(load generator)",
                    0,
                    locust_after.ru_utime + locust_after.ru_stime - locust_before.ru_utime - locust_before.ru_stime,
                )
            ]
        finally:
            for process in processes.values():
                stop_process(process)
        totals = self._report(prefix, usage, status, workers)
        self._report_page_cache(web_log, log_offset)
        return label, totals

    def _report_page_cache(self, web_log: Path, offset: int) -> None:
        """How many guest pages of the measured run came from the cache, from gunicorn's access log."""
        seen: dict[str, dict[str, int]] = {}
        with web_log.open(encoding="utf-8", errors="replace") as fh:
            fh.seek(offset)
            for line in fh:
                if not line.startswith("{"):
                    continue
                record = json.loads(line)
                page = "/" + record.get("path", "").strip("/").split("/")[0]
                counts = seen.setdefault(page, {})
                state = record.get("page_cache") or "not cacheable"
                counts[state] = counts.get(state, 0) + 1
        self.stdout.write("\nGuest page cache, by path (from the access log of the measured run)")
        for page, counts in sorted(seen.items()):
            total = sum(counts.values())
            parts = ", ".join(f"{state} {n / total:.0%}" for state, n in sorted(counts.items()))
            self.stdout.write(f"{page:22} {total:7} requests: {parts}")

    @staticmethod
    def _locust(locust: str, port: int, users: int, seconds: int, targets: Path, prefix: Path, user_class: str) -> int:
        with open(f"{prefix}.log", "w") as log:
            run = subprocess.run(  # noqa: S603 -- our own locust
                [locust, "-f", "perf/locustfile.py", "--headless", "--host", f"http://{HOST}:{port}",
                 "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
                 "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5", user_class],
                env={**os.environ, "LOADTEST_TARGETS": str(targets)},
                cwd=settings.BASE_DIR,
                stdout=subprocess.DEVNULL,
                stderr=log,
                check=False,
            )  # fmt: skip
        return run.returncode

    def _catalogue(self, products: int, shops: int) -> None:
        have = Product.objects.count()
        if have < products:
            self.stdout.write(f"Seeding the benchmark catalogue: {have:,} -> {products:,} products, {shops} shops")
        with tqdm(total=max(0, products - have), unit="product", disable=have >= products) as bar:
            # Also when nothing is missing: it refreshes the planner's statistics of every seeded table.
            demo_data.ensure_benchmark_catalogue(products=products, shops=shops, progress=bar.update)

    @staticmethod
    def _targets() -> dict:
        """What the locustfile asks for: real, visible pages (a 404 would be a failure of the test)."""
        buyable = Product.objects.visible().filter(Q(made_to_order=True) | Q(stock_quantity__gt=0))
        products = list(buyable.order_by("?").values_list("pk", "slug")[:5000])
        words = SearchWord.objects.filter(documents__gte=3).order_by("?").values_list("word", flat=True)
        return {
            "products": products,
            "shops": list(Vendor.objects.visible().order_by("?").values_list("slug", flat=True)[:300]),
            "categories": list(Category.objects.values_list("slug", flat=True)),
            # Words shoppers type, from the long tail to the common: the index's own vocabulary.
            "words": list(words[:400]),
            "town": "Bath, GB",
        }

    def _wait(self, web: subprocess.Popen, port: int) -> None:
        deadline = time.monotonic() + 60
        while not port_open(HOST, port):
            if web.poll() is not None or time.monotonic() > deadline:
                raise CommandError("gunicorn did not start; see var/loadtest/web.log")
            time.sleep(0.2)

    def _report(self, prefix: Path, usage: dict, locust_status: int, workers: int) -> dict:
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists():
            raise CommandError(f"locust wrote no statistics (exit {locust_status}); see {prefix}.log")
        with stats.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        self.stdout.write(
            f"\n{'page':18} {'requests':>9} {'fails':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>8}"
        )
        for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
            name = "ALL (the mix)" if row["Name"] == "Aggregated" else row["Name"]
            self.stdout.write(
                f"{name[:18]:18} {int(row['Request Count']):9} {int(row['Failure Count']):6} {row['50%']:>7} "
                f"{row['95%']:>7} {row['99%']:>7} {float(row['Requests/s']):8.1f}"
            )  # fmt: skip
        total = next(r for r in rows if r["Name"] == "Aggregated")
        self.stdout.write(f"failures: {total['Failure Count']}")
        self.stdout.write(f"requests/s per gunicorn worker: {float(total['Requests/s']) / workers:.1f}")
        failures = Path(f"{prefix}_failures.csv")
        if int(total["Failure Count"]) and failures.exists():
            self.stdout.write(failures.read_text(encoding="utf-8"))
        self.stdout.write(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        requests = int(total["Request Count"])
        self.stdout.write("\nResident memory after the run, and CPU used during it")
        self.stdout.write(f"{'process':34} {'RSS MB':>8} {'CPU s':>8}")
        for name, processes in usage.items():
            for label, rss, cpu in processes:
                rss_text = f"{rss / 2**20:8.1f}" if rss else f"{'':8}"
                self.stdout.write(f"{name + ' ' + label:34} {rss_text} {cpu:8.1f}")
        web_cpu = sum(cpu for _label, _rss, cpu in usage["web"])
        if requests and web_cpu:
            self.stdout.write(
                f"web CPU per request: {web_cpu * 1000 / requests:.1f} ms "
                f"({requests / web_cpu:.0f} requests per CPU-second of gunicorn)"
            )
        return {
            "rps": float(total["Requests/s"]),
            "p95": float(total["95%"]),
            "cpu_ms": web_cpu * 1000 / requests if requests else 0.0,
        }


def _web_command(port: int, worker_class: str, threads: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "-c", "infra/gunicorn.conf.py", "--bind", f"{HOST}:{port}"]
    if worker_class:
        command += ["--worker-class", worker_class]
    if threads:
        command += ["--threads", str(threads)]
    return [*command, "marketplace.wsgi:application"]


def _medians(runs: list[dict]) -> dict:
    """Each figure's median over a variant's runs (rounds)."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _usage_tree(process: subprocess.Popen) -> dict[str, tuple[int, float]]:
    """RSS (bytes) and CPU seconds so far of a process and each of its children (gunicorn's
    workers, Celery's pool), by label. Children are labelled by pid: a recycled worker is new."""
    try:
        parent = psutil.Process(process.pid)
        found = {"(main)": parent}
        found |= {f"pid {child.pid}": child for child in parent.children(recursive=True)}
        return {label: (p.memory_info().rss, sum(p.cpu_times()[:2])) for label, p in found.items()}
    except psutil.NoSuchProcess:
        return {}


def _local_services_cpu() -> dict[str, float]:
    """CPU seconds so far of this machine's PostgreSQL and Redis processes (those we may read), by service."""
    found = {"postgres": 0.0, "redis": 0.0}
    for process in psutil.process_iter(["name", "cpu_times"]):
        name, times = process.info["name"] or "", process.info["cpu_times"]
        if times is None:
            continue
        for service in found:
            if name.startswith(service):
                found[service] += times.user + times.system
    return found


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"]
    host_part = host.replace("/", "%2F") if host.startswith("/") else f"{host}:{db['PORT'] or 5432}"
    return f"postgresql://{db['USER']}@{host_part}/{db['NAME']}"
