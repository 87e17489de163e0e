"""The load test's shopper mix (perf/locustfile.py) and what `manage.py loadtest` feeds it.

The locustfile runs in its own venv, so it is read here as source (`ast`), never imported:
a page dropped from the mix, or a request left without its report name, fails here
instead of silently leaving the load test.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from catalog.management.commands.loadtest import MIXES, Command
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from vendors.models import Vendor

LOCUSTFILE = Path(settings.BASE_DIR) / "perf" / "locustfile.py"
PAGES = {"home", "category", "search", "product", "storefront", "add to cart", "checkout start"}


def _class(name: str) -> ast.ClassDef:
    tree = ast.parse(LOCUSTFILE.read_text(encoding="utf-8"))
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name)


def _requests(tree: ast.AST) -> list[tuple[str, str, str]]:
    """(method, path or '?', report name) of every ``self.client.<method>(...)`` call."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Attribute) and owner.attr == "client"):
            continue
        names = [kw.value.value for kw in node.keywords if kw.arg == "name" and isinstance(kw.value, ast.Constant)]
        path = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "?"
        found.append((node.func.attr, path, names[0] if names else ""))
    return found


def _tasks(tree: ast.AST) -> dict[str, int]:
    """Method name -> weight of each ``@task(weight)`` in the user class."""
    weights = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "task":
                    weights[node.name] = deco.args[0].value if deco.args else 1
    return weights


def test_the_mix_asks_for_every_shopper_page_under_its_report_name():
    requests = _requests(_class("Shopper"))
    assert {name for _method, _path, name in requests} == PAGES
    assert all(name for _method, _path, name in requests), "a request without name= would be reported per URL"
    assert ("post", "/cart/add", "add to cart") in requests
    assert ("get", "/cart/checkout/", "checkout start") in requests
    assert ("get", "/", "home") in requests


def test_the_mix_is_weighted_towards_product_pages_and_searches():
    weights = _tasks(_class("Shopper"))
    assert set(weights) == {"product", "search", "category", "storefront", "home", "add_to_cart_and_checkout"}
    total = sum(weights.values())
    assert weights["product"] / total >= 0.3
    assert weights["search"] / total >= 0.3
    assert all(weight > 0 for weight in weights.values())


def test_the_cache_miss_run_asks_for_a_search_page_only():
    assert [(method, name) for method, _path, name in _requests(_class("CacheMissSearcher"))] == [
        ("get", "search (cache miss)")
    ]
    assert set(MIXES.values()) == {"Shopper", "HtmlBrowser", "CacheMissSearcher"}


def test_the_html_mix_is_the_shoppers_pages_without_the_cart():
    browser = _class("HtmlBrowser")
    # Its own class: locust would add a base Shopper's tasks (the cart among them) to the ones named here.
    assert [base.id for base in browser.bases] == ["FastHttpUser"]
    (tasks,) = [node.value for node in browser.body if isinstance(node, ast.Assign) and node.targets[0].id == "tasks"]
    weights = {key.attr: value.value for key, value in zip(tasks.keys, tasks.values, strict=True)}
    assert weights == {k: v for k, v in _tasks(_class("Shopper")).items() if k != "add_to_cart_and_checkout"}


def test_the_load_is_aimed_at_loopback_only():
    source = (Path(settings.BASE_DIR) / "catalog" / "management" / "commands" / "loadtest.py").read_text()
    assert 'HOST = "127.0.0.1"' in source
    assert "0.0.0.0" not in source  # noqa: S104 -- asserting its absence


@pytest.mark.django_db
def test_targets_are_pages_a_guest_may_see_and_buy():
    listed = ProductFactory(stock_quantity=3)
    made_to_order = ProductFactory(stock_quantity=0, made_to_order=True)
    ProductFactory(stock_quantity=0)  # sold out: adding it to a cart is refused
    ProductFactory(status=Product.Status.DRAFT)
    pending = ProductFactory(vendor__status=Vendor.Status.PENDING)

    targets = Command._targets()

    assert sorted(pk for pk, _slug in targets["products"]) == sorted([listed.pk, made_to_order.pk])
    assert {listed.vendor.slug, made_to_order.vendor.slug} <= set(targets["shops"])
    assert pending.vendor.slug not in targets["shops"]
    assert listed.category.slug in targets["categories"]


def test_rounds_take_turns_and_report_each_variants_median(monkeypatch, settings, tmp_path):
    """`--rounds 3 --baseline`: baseline, configured, baseline, ... and the ratio of the medians, so one
    slow spell of a shared machine can't decide a comparison."""
    import io

    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    figures = iter(
        [
            {"rps": 200.0, "p95": 60.0, "cpu_ms": 4.0},  # baseline, round 1
            {"rps": 400.0, "p95": 30.0, "cpu_ms": 2.0},
            {"rps": 150.0, "p95": 90.0, "cpu_ms": 5.0},  # a slow spell: both variants of round 2
            {"rps": 300.0, "p95": 45.0, "cpu_ms": 3.0},
            {"rps": 210.0, "p95": 58.0, "cpu_ms": 3.9},
            {"rps": 430.0, "p95": 28.0, "cpu_ms": 1.9},
        ]
    )
    order = []

    def fake_run(self, label, overrides, run, *args):
        order.append(overrides.get("GUEST_PAGE_CACHE_SECONDS", "configured"))
        return label, next(figures)

    monkeypatch.setattr(Command, "_run", fake_run)
    monkeypatch.setattr(Command, "_catalogue", lambda self, products, shops: None)
    monkeypatch.setattr(Command, "_targets", staticmethod(lambda: {}))
    out = io.StringIO()
    command = Command(stdout=out)
    command.handle(
        products=1, shops=1, seconds=1, warmup=0, users=1, workers=2, worker_class="", threads=0, mix="shoppers",
        locust="locust", out=str(tmp_path), baseline=True, rounds=3,
    )  # fmt: skip
    assert order == ["0", "configured"] * 3
    report = out.getvalue()
    assert "(round 3 of 3)" in report
    assert "200.0 (150.0-210.0)" in report and "400.0 (300.0-430.0)" in report
    assert "2.00x the requests/s, p95 30 ms against 60 ms" in report


def test_rounds_below_one_are_refused(settings, tmp_path):
    from django.core.management.base import CommandError

    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    with pytest.raises(CommandError, match="at least 1"):
        Command().handle(
            products=1, shops=1, seconds=1, warmup=0, users=1, workers=2, worker_class="", threads=0, mix="shoppers",
            locust="locust", out=str(tmp_path), rounds=0,
        )  # fmt: skip


def test_a_sync_worker_class_runs_sync_workers(monkeypatch, tmp_path):
    """gunicorn turns a sync worker with threads (gunicorn.conf.py sets 4) into gthread: asking for sync
    runs one thread per worker, unless --threads says otherwise."""
    import io
    from types import SimpleNamespace

    started = []

    class Stop(Exception):
        pass

    def fake_popen(command, **kwargs):
        started.append(command)
        raise Stop

    monkeypatch.setattr("catalog.management.commands.loadtest.subprocess.Popen", fake_popen)
    monkeypatch.setattr("catalog.management.commands.loadtest.cache", SimpleNamespace(clear=lambda: None))
    run = dict(workers=3, worker_class="sync", threads=0, users=1, warmup=0)
    with pytest.raises(Stop):
        Command(stdout=io.StringIO())._run("x", {}, run, 1, "shoppers", "locust", tmp_path, tmp_path)
    web = started[0]
    assert web[web.index("--worker-class") + 1] == "sync" and web[web.index("--threads") + 1] == "1"
    assert web[-1] == "marketplace.wsgi:application"
