"""The shopper mix for `make loadtest` (issue #16): what guests do on the marketplace, weighted.

Runs in its own venv (requirements-perf.txt: locust pulls gevent and Flask, which the app
never needs). The pages to ask for come from a JSON file written by `manage.py
loadtest_targets` (LOADTEST_TARGETS), so this file imports nothing of the project.

Every request carries a `name` (one row per page in the report): home, category, search,
product, storefront, add to cart, checkout start. `perf/test_locustfile.py` (an `ast`
reading, no locust needed) keeps that list from rotting.
"""

import itertools
import json
import os
import random
import re
from urllib.parse import urlencode

from locust import FastHttpUser, constant, task

# Enough distinct searches that the results cache holds only part of them, as on a real
# site: the measurement used 700. A fixed seed, so two runs ask the same things.
SEARCH_QUERIES = int(os.environ.get("LOADTEST_SEARCH_QUERIES", "700"))
# A guest's cart stays small: after this many adds the simulated shopper starts afresh
# (new cookies, new cart), so checkout start keeps measuring a realistic cart.
CART_ITEMS_MAX = 4

CSRF_COOKIE = "csrftoken"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _targets() -> dict:
    path = os.environ.get("LOADTEST_TARGETS", "var/loadtest/targets.json")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


TARGETS = _targets()


def _search_pool(targets: dict, count: int) -> list[str]:
    """``count`` distinct search URLs: words alone and with the filters shoppers use."""
    rng = random.Random(16)
    words = targets["words"]
    filters = [
        {},
        {"sort": "price_asc"},
        {"sort": "newest"},
        {"price_min": "20", "price_max": "150"},
        {"in_stock": "on"},
        {"free_shipping": "on"},
        {"min_rating": "4"},
        {"near": targets["town"], "radius_km": "50"},
    ]
    pool: set[str] = set()
    while len(pool) < count and len(pool) < len(words) * (len(filters) + len(targets["categories"])):
        params = {"q": rng.choice(words), **rng.choice(filters)}
        if rng.random() < 0.3:
            params["category"] = rng.choice(targets["categories"])
        pool.add("/search?" + urlencode(params))
    return sorted(pool)


SEARCHES = _search_pool(TARGETS, SEARCH_QUERIES)


def _popularity(items: list) -> list[float]:
    """Cumulative weights 1/rank (Zipf): a few products and shops draw most of the visits, the
    long tail the rest, as in any shop window; a uniform pick would measure a cold cache only."""
    return list(itertools.accumulate(1 / rank for rank in range(1, len(items) + 1)))


PRODUCT_WEIGHTS = _popularity(TARGETS["products"])
SHOP_WEIGHTS = _popularity(TARGETS["shops"])


class Shopper(FastHttpUser):
    """A guest browsing: 35 % product pages, 35 % searches, the rest categories, shops, the
    home page, and now and then an add to cart followed by the checkout's first page."""

    # No think time: the run measures what the server sustains at a given concurrency.
    wait_time = constant(0)

    def on_start(self):
        self.cart_items = 0

    def _product(self):
        pk, slug = random.choices(TARGETS["products"], cum_weights=PRODUCT_WEIGHTS)[0]
        return pk, f"/p/{slug}/"

    @task(35)
    def product(self):
        self.client.get(self._product()[1], name="product")

    @task(35)
    def search(self):
        self.client.get(random.choice(SEARCHES), name="search")

    @task(12)
    def category(self):
        slug = random.choice(TARGETS["categories"])
        page = random.choice(["", "", "?sort=price_asc", "?page=2"])
        self.client.get(f"/c/{slug}/{page}", name="category")

    @task(8)
    def storefront(self):
        shop = random.choices(TARGETS["shops"], cum_weights=SHOP_WEIGHTS)[0]
        self.client.get(f"/shops/{shop}/", name="storefront")

    @task(6)
    def home(self):
        self.client.get("/", name="home")

    @task(4)
    def add_to_cart_and_checkout(self):
        if self.cart_items >= CART_ITEMS_MAX:
            self.client.cookiejar.clear()
            self.cart_items = 0
        pk, path = self._product()
        page = self.client.get(path, name="product")
        token = _CSRF_INPUT.search(page.text or "")
        if token is None:
            return  # counted as the product page's failure, if it was one
        with self.client.post(
            "/cart/add",
            data={"product": str(pk), "quantity": "1", "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{self.host}{path}"},
            name="add to cart",
            allow_redirects=False,
            catch_response=True,
        ) as added:
            # The form answers with a redirect back to the product (no JavaScript) or, refused, a message.
            if added.status_code != 302:
                added.failure(f"add to cart answered {added.status_code}")
                return
            added.success()
        self.cart_items += 1
        with self.client.get("/cart/checkout/", name="checkout start", catch_response=True) as start:
            if start.status_code != 200 or "csrfmiddlewaretoken" not in (start.text or ""):
                start.failure(f"checkout start answered {start.status_code} without its form")
            else:
                start.success()


class HtmlBrowser(FastHttpUser):
    """`manage.py loadtest --mix html`: the same pages and weights without add to cart and checkout, as the
    issue's reference run (an HTML-only mix), for a like-for-like comparison. Not a subclass of Shopper:
    locust adds a base class's tasks to the ones a subclass names."""

    wait_time = constant(0)
    _product = Shopper._product
    tasks = {Shopper.product: 35, Shopper.search: 35, Shopper.category: 12, Shopper.storefront: 8, Shopper.home: 6}


class CacheMissSearcher(FastHttpUser):
    """`manage.py loadtest --mix cache-miss`: a search no one has asked before, every request (a
    price nobody typed), so neither the results nor the rendered page come from the cache."""

    wait_time = constant(0)
    _prices = itertools.count()
    _run = random.randrange(10**6)

    @task
    def search_cache_miss(self):
        price = f"{150 + next(self._prices) / 100:.2f}"
        query = {"q": random.choice(TARGETS["words"]), "price_min": "20", "price_max": price, "run": self._run}
        self.client.get("/search?" + urlencode(query), name="search (cache miss)")
