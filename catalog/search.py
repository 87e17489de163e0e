"""Product search on PostgreSQL alone: full text, typo fallback, filters, facets, distance.

One selector (``product_search``) serves the search page, category pages and
``GET /api/search``; ``search_params_parse`` turns a query string into checked
parameters for all of them, so a bad input gets the same explanation everywhere.

How it stays fast as the catalogue grows (see ``manage.py bench_search``):
- Text matching uses the GIN index on ``search_vector`` (kept by a trigger).
- Ranking is bounded: at most ``CANDIDATES`` matches, the newest, are ranked, so a
  word that matches most of the catalogue ("handmade") costs the same as a rare
  one. A very common word's best match among older listings can therefore sit
  below newer good matches; for words matching fewer than ``CANDIDATES`` products
  the ranking is exact. When PostgreSQL expects many matches, one query finds the
  newest ones through a window of recent ids sized from its own estimate, ranks
  them and counts them (``_ranked_search``); otherwise the matches are counted
  first and, if there are few, fetched whole.
- Counts and facets are computed over at most ``COUNT_CAP`` + 1 matches and
  reported as "1,000+" beyond that, instead of counting 85K rows per request.
- Pages of results are ordered in Python when every match is already in hand,
  so a rare word sorted by price never walks the price index.
- Results and facets (and, in the views, the rendered results) are cached under a
  catalogue version that every product or
  shop change bumps, so a cached page never outlives an edit.
"""

import hashlib
import json
import math
import re
import time
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.cache import cache

from catalog.models import MAX_PRICE, Category, Product, SearchWord
from catalog.selectors import VISIBLE_SQL, category_names, fetch_rows
from marketplace.cache_versions import catalogue_version
from vendors.geocoding import town_locate

PAGE_SIZE = 24
CANDIDATES = 1000
CANDIDATE_SLACK = 1.5  # how many more matches the id window aims at than it needs
COUNT_CAP = 1000
MAX_QUERY_LENGTH = 200
MAX_RADIUS_KM = 20000
DEFAULT_RADIUS_KM = 50
EARTH_RADIUS_KM = 6371.0088
CACHE_SECONDS = 300
TYPO_THRESHOLD = 5  # fewer text matches than this: also look for near-miss titles
PRICE_BUCKETS = [(Decimal("0"), Decimal("25")), (Decimal("25"), Decimal("50")), (Decimal("50"), Decimal("100")),
                 (Decimal("100"), Decimal("250")), (Decimal("250"), None)]  # fmt: skip

SORTS = {
    "relevance": "Best match",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "newest": "Newest",
    "distance": "Nearest",
    "rating": "Highest rated",
}


class SearchError(ValueError):
    """A parameter the person should fix; ``field`` names it (API ``errors`` key)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    category: Category | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    near: str = ""
    country: str = ""
    stock: str = ""
    min_rating: Decimal | None = None
    free_shipping: bool = False
    sort: str = "newest"
    page: int = 1

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None

    def cache_key(self) -> str:
        data = asdict(self)
        data["category"] = self.category.pk if self.category else None
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass
class SearchResult:
    ids: list[int]
    count: int
    count_capped: bool
    page: int
    pages: int
    facets: dict
    suggestion: str = ""
    distances: dict[int, float] = field(default_factory=dict)
    typo_fallback: bool = False

    @cached_property
    def products(self) -> list[Product]:
        """The page's products with what a card shows (the API loads full products from ``ids``)."""
        from catalog.selectors import products_by_ids

        return products_by_ids(self.ids)

    @property
    def count_label(self) -> str:
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"


# --- Parsing --------------------------------------------------------------------

# API names (camelCase) and HTML names (snake_case) are both accepted.
_ALIASES = {"priceMin": "price_min", "priceMax": "price_max", "radiusKm": "radius_km", "minRating": "min_rating",
            "freeShipping": "free_shipping"}  # fmt: skip


def _get(data, name: str) -> str:
    value = data.get(name)
    if value is None:
        for alias, canonical in _ALIASES.items():
            if canonical == name and data.get(alias) is not None:
                value = data.get(alias)
                break
    return (value or "").strip()


def _decimal(data, name: str, *, low: Decimal, high: Decimal) -> Decimal | None:
    raw = _get(data, name)
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SearchError(name, f"{name} must be a number.") from None
    if not value.is_finite() or value < low or value > high:
        raise SearchError(name, f"{name} must be between {low} and {high}.")
    return value


def _float(data, name: str, *, low: float, high: float) -> float | None:
    raw = _get(data, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SearchError(name, f"{name} must be a number.") from None
    if not math.isfinite(value) or value < low or value > high:
        raise SearchError(name, f"{name} must be between {low:g} and {high:g}.")
    return value


def search_params_parse(data, *, default_category: Category | None = None) -> SearchParams:
    """Check every parameter; raise ``SearchError`` naming the first bad one."""
    q = " ".join(_get(data, "q").split())
    if len(q) > MAX_QUERY_LENGTH:
        raise SearchError("q", f"Search for at most {MAX_QUERY_LENGTH} characters.")

    category = default_category
    raw_category = _get(data, "category")
    if raw_category:
        lookup = {"pk": int(raw_category)} if raw_category.isdigit() else {"slug": raw_category[:80]}
        category = Category.objects.filter(**lookup).first()
        if category is None:
            raise SearchError("category", "There is no such category.")

    price_min = _decimal(data, "price_min", low=Decimal("0"), high=MAX_PRICE)
    price_max = _decimal(data, "price_max", low=Decimal("0"), high=MAX_PRICE)
    if price_min is not None and price_max is not None and price_min > price_max:
        raise SearchError("price_min", "The lowest price is above the highest price.")

    lat = _float(data, "lat", low=-90, high=90)
    lng = _float(data, "lng", low=-180, high=180)
    if (lat is None) != (lng is None):
        raise SearchError("lat" if lat is None else "lng", "Give both lat and lng, or neither.")
    near = _get(data, "near")[:120]
    if near and lat is None:
        town, _, country = near.partition(",")
        place = town_locate(town=town, country=(country or _get(data, "country") or "").strip()[:2])
        if place is None:
            raise SearchError("near", f"We couldn't find “{near}”. Try “Town, CC” with a two-letter country code.")
        lat, lng = place.latitude, place.longitude
    radius = _float(data, "radius_km", low=-math.inf, high=math.inf)
    if radius is not None and not (0 < radius <= MAX_RADIUS_KM):
        raise SearchError("radius_km", f"The radius must be above 0 and at most {MAX_RADIUS_KM:,} km.")
    if lat is not None and radius is None:
        radius = DEFAULT_RADIUS_KM

    country = _get(data, "country").upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise SearchError("country", "Use a two-letter country code, e.g. GB.")
    stock = _get(data, "stock")
    if stock and stock not in ("in_stock", "made_to_order"):
        raise SearchError("stock", "stock is in_stock or made_to_order.")
    min_rating = _decimal(data, "min_rating", low=Decimal("1"), high=Decimal("5"))
    free_shipping = _get(data, "free_shipping").lower() in ("1", "true", "on", "yes")

    sort = _get(data, "sort") or ("relevance" if q else "newest")
    if sort not in SORTS:
        raise SearchError("sort", f"sort is one of: {', '.join(SORTS)}.")
    if sort == "distance" and lat is None:
        raise SearchError("sort", "Sorting by distance needs a location.")
    if sort == "relevance" and not q:
        sort = "newest"

    raw_page = _get(data, "page") or "1"
    if not raw_page.isdigit() or not (1 <= int(raw_page) <= 10_000):
        raise SearchError("page", "page is a whole number from 1.")
    return SearchParams(
        q=q, category=category, price_min=price_min, price_max=price_max, lat=lat, lng=lng, radius_km=radius,
        near=near, country=country, stock=stock, min_rating=min_rating, free_shipping=free_shipping, sort=sort,
        page=int(raw_page),
    )  # fmt: skip


# --- Query building -------------------------------------------------------------

_PREFIXABLE = re.compile(r"[^\W_]{2,}")


def _tsquery_sql(q: str) -> tuple[str, list]:
    """SQL for the text query: people's syntax (websearch), plus a prefix match on the last word."""
    words = q.split(" ")
    last = words[-1]
    quoted = q.count('"') % 2 == 1 or last.endswith('"')
    if _PREFIXABLE.fullmatch(last) and last.lower() != "or" and not quoted:
        rest = words[:-1]
        prefix = "to_tsquery('english', %s || ':*')"
        if rest and rest[-1].lower() == "or" and len(rest) > 1:
            # "mugs or vas": (mugs) OR vas*, as websearch would read "mugs or vase".
            return f"(websearch_to_tsquery('english', %s) || {prefix})", [" ".join(rest[:-1]), last]
        if rest:
            return f"(websearch_to_tsquery('english', %s) && {prefix})", [" ".join(rest), last]
        return prefix, [last]
    return "websearch_to_tsquery('english', %s)", [q]


def _bounding_box(lat: float, lng: float, radius_km: float) -> tuple[str, list]:
    """A box on the shop's indexed lat/lng that contains the circle (the exact distance is checked after)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    clauses, params = [], []
    if lat - dlat <= -90 or lat + dlat >= 90:
        # The circle covers a pole: every longitude is in range.
        clauses.append("v.latitude BETWEEN %s AND %s")
        params += [max(-90.0, lat - dlat), min(90.0, lat + dlat)]
        return " AND ".join(clauses), params
    dlng = math.degrees(math.asin(min(1.0, math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(lat)))))
    clauses.append("v.latitude BETWEEN %s AND %s")
    params += [lat - dlat, lat + dlat]
    west, east = lng - dlng, lng + dlng
    if dlng >= 180:
        pass
    elif west < -180:  # crosses the antimeridian westwards
        clauses.append("(v.longitude >= %s OR v.longitude <= %s)")
        params += [west + 360, east]
    elif east > 180:
        clauses.append("(v.longitude >= %s OR v.longitude <= %s)")
        params += [west, east - 360]
    else:
        clauses.append("v.longitude BETWEEN %s AND %s")
        params += [west, east]
    return " AND ".join(clauses), params


_DISTANCE_SQL = (
    "(2 * %s * asin(least(1, sqrt("
    "power(sin(radians(v.latitude - %s) / 2), 2) + "
    "cos(radians(%s)) * cos(radians(v.latitude)) * power(sin(radians(v.longitude - %s) / 2), 2)))))"
)


def _distance_sql(params: SearchParams) -> tuple[str, list]:
    return _DISTANCE_SQL, [EARTH_RADIUS_KM, params.lat, params.lat, params.lng]


def _where(params: SearchParams, *, category_ids: list[int] | None, with_text: bool) -> tuple[list[str], list]:
    where = [VISIBLE_SQL]
    args: list = []
    if with_text and params.q:
        sql, q_args = _tsquery_sql(params.q)
        where.append(f"p.search_vector @@ {sql}")
        args += q_args
    if category_ids is not None:
        where.append("p.category_id = ANY(%s)")
        args.append(category_ids)
    if params.price_min is not None:
        where.append("p.price >= %s")
        args.append(params.price_min)
    if params.price_max is not None:
        where.append("p.price <= %s")
        args.append(params.price_max)
    if params.country:
        where.append("v.country = %s")
        args.append(params.country)
    if params.stock == "in_stock":
        where.append("NOT p.made_to_order AND p.stock_quantity > 0")
    elif params.stock == "made_to_order":
        where.append("p.made_to_order")
    if params.min_rating is not None:
        where.append("p.rating_avg >= %s")
        args.append(params.min_rating)
    if params.free_shipping:
        where.append(
            "(p.shipping_override = 0 OR (p.shipping_override IS NULL AND "
            "(v.shipping_flat = 0 OR v.free_shipping_over <= p.price)))"
        )
    if params.has_location:
        # Shops are few and products many: find the shops in range once, then match their products.
        where.append("p.vendor_id = ANY(%s)")
        args.append(_vendor_ids_within(params))
    return where, args


def _vendor_ids_within(params: SearchParams) -> list[int]:
    """Listed shops within the radius: a box on the indexed lat/lng, then the exact great-circle distance."""
    box, box_args = _bounding_box(params.lat, params.lng, params.radius_km)
    distance, distance_args = _distance_sql(params)
    rows = _fetch(
        f"SELECT v.id FROM vendors_vendor v WHERE v.status = 'approved' AND v.payouts_enabled "
        f"AND {box} AND {distance} <= %s",
        [*box_args, *distance_args, params.radius_km],
    )
    return [row[0] for row in rows]


def _order_by(params: SearchParams) -> str:
    return {
        "price_asc": "p.price ASC, p.id ASC",
        "price_desc": "p.price DESC, p.id DESC",
        "newest": "p.created_at DESC, p.id DESC",
        "rating": "p.rating_avg DESC NULLS LAST, p.rating_count DESC, p.id DESC",
        "distance": "distance ASC, p.id DESC",
    }[params.sort]


# Weights {D, C, B, A}: a title hit counts 10x a description hit; the words side by side,
# in the order typed, count double. Ties and near-ties go to fresher and better-rated work.
_SCORE_SQL = (
    "ts_rank('{0.1, 0.2, 0.4, 1.0}', c.search_vector, query.q) "
    "* (1 + coalesce((c.search_vector @@ query.phrase)::int, 0)) "
    "* (1 + 0.1 * coalesce(c.rating_avg, 3) / 5) "
    "* (1 + 0.2 / (1 + extract(epoch FROM now() - c.created_at) / 2592000))"
)


def _ranked_sql(params: SearchParams, where: list[str], args: list, *, limit: int, columns: str) -> tuple[str, list]:
    """The newest ``limit`` matches, best first by ``_SCORE_SQL`` (see the module docstring).

    Newest by id: ids follow creation order, and PostgreSQL can walk the primary key
    backwards and stop, where ordering by date sorted every match with its search
    vector (~2 ms for "handmade" with a price range at 100K products).
    """
    q_sql, q_args = _tsquery_sql(params.q)
    distance, distance_args = _distance_sql(params) if params.has_location else ("NULL::float", [])
    phrase = _phrase(params.q)
    sql = (
        f"WITH query AS (SELECT {q_sql} AS q, phraseto_tsquery('english', %s) AS phrase), "
        "candidates AS (SELECT p.id, p.category_id, p.price, p.search_vector, p.created_at, p.rating_avg, "
        f"{distance} AS distance FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
        f"WHERE {' AND '.join(where)} ORDER BY p.id DESC LIMIT {limit}) "
        f"SELECT {columns} FROM candidates c, query ORDER BY {_SCORE_SQL} DESC, c.id DESC"
    )
    return sql, [*q_args, phrase, *distance_args, *args]


def _phrase(q: str) -> str | None:
    """The words to find side by side for the exact-phrase bonus: two or more, none excluded; else None."""
    words = [w for w in q.split() if not w.startswith("-") and w.lower() != "or"]
    words = [w for w in (re.sub(r"[^\w'-]", " ", w).strip() for w in words) if w]
    return " ".join(words) if len(words) > 1 else None


def _ids_sql(params: SearchParams, where: list[str], args: list, offset: int) -> tuple[str, list]:
    from_sql = "FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id"
    distance, distance_args = _distance_sql(params) if params.has_location else ("NULL::float", [])
    if params.sort == "relevance":
        sql, sql_args = _ranked_sql(params, where, args, limit=CANDIDATES, columns="c.id, c.distance")
        return f"{sql} LIMIT {PAGE_SIZE} OFFSET %s", [*sql_args, offset]
    sql = (
        f"SELECT p.id, {distance} AS distance {from_sql} WHERE {' AND '.join(where)} "
        f"ORDER BY {_order_by(params)} LIMIT {PAGE_SIZE} OFFSET %s"
    )
    return sql, [*distance_args, *args, offset]


_fetch = fetch_rows


def _capped_rows(where: list[str], args: list) -> list[tuple]:
    """At most COUNT_CAP + 1 matches, as (category_id, price_cents, id, created_epoch, rating_avg, rating_count).

    One pass gives the count, the facets and, when that is every match, the page
    itself for the sorts that need no text rank or distance (see ``_SMALL_SET_SORTS``).
    Integers and floats, not Decimals and datetimes: parsing 1,001 rows of those cost
    ~1.5 ms. Each conversion keeps the order and the ties (prices are whole cents;
    a float8 holds 2-decimal ratings and microsecond epochs of this century exactly
    enough to sort them as PostgreSQL does). Sorting and counting only, never arithmetic.
    """
    sql = (
        "SELECT p.category_id, (p.price * 100)::bigint, p.id, extract(epoch FROM p.created_at)::float8, "
        "p.rating_avg::float8, p.rating_count "
        "FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
        f"WHERE {' AND '.join(where)} LIMIT {COUNT_CAP + 1}"
    )
    return _fetch(sql, args)


# The SQL orders of ``_order_by`` as Python sort keys over ``_capped_rows`` rows, for
# result sets small enough to be fetched whole: no second query for their page.
_SMALL_SET_SORTS = {
    "price_asc": lambda r: (r[1], r[2]),
    "price_desc": lambda r: (-r[1], -r[2]),
    "newest": lambda r: (-r[3], -r[2]),
    "rating": lambda r: (r[4] is None, -(r[4] or 0), -r[5], -r[2]),
}


def _ranked_search(params: SearchParams, where: list[str], args: list) -> list[tuple] | None:
    """Relevance order in one query when PostgreSQL expects many matches: None when it doesn't.

    Returns up to COUNT_CAP + 1 rows (category_id, price_cents, id, distance), best
    first: the newest matches, ranked. They give the count ("1,000+"), the facets
    and every page, so a word in 1 % of the catalogue costs one pass instead of a
    count pass plus a ranking pass.

    Ids follow creation order, so the newest matches are the matches among the
    newest ids. PostgreSQL's estimate for the whole filter (its statistics on the
    search vector track the commonest lexemes) says how densely matches sit among
    ids; limiting the query to ids above ``newest - CANDIDATE_SLACK * needed / density``
    lets it AND the text index with a primary-key range instead of walking the date
    index through ~100K non-matching rows (at 1M products, 'cowl': ~40 ms -> ~15 ms).
    If that window turns out to hold too few matches, None: the caller counts first.
    """
    plan = ranked_search_sql(params, where, args)
    if plan is None:
        return None
    sql, sql_args, windowed = plan
    rows = _fetch(sql, sql_args)
    if windowed and len(rows) <= COUNT_CAP:
        return None  # the window missed some matches: count them properly
    return rows


_UNKNOWN_WORD = "qzxjvwkq"  # no catalogue has it: PostgreSQL's estimate for it is its "don't know"
_unknown_estimate: dict = {}


def _estimate_is_informed(params: SearchParams) -> bool:
    """Whether PostgreSQL's statistics know the query's words.

    A word outside the lexemes it tracks gets a fixed guess (0.5 % of the rows, or
    less), which would send rare words down the path meant for common ones. The
    guess is learnt from a word no catalogue has, once per 10 minutes per process.
    """
    q_sql, q_args = _tsquery_sql(params.q)
    text_only = ["p.search_vector @@ " + q_sql]
    now = time.monotonic()
    if _unknown_estimate.get("at", -1e9) < now - 600:
        unknown_sql, unknown_args = _tsquery_sql(_UNKNOWN_WORD)
        _unknown_estimate.update(
            at=now, rows=_match_estimate(["p.search_vector @@ " + unknown_sql], unknown_args, join=False)
        )
    return abs(_match_estimate(text_only, q_args, join=False) - _unknown_estimate["rows"]) >= 1


def _match_estimate(where: list[str], args: list, *, join: bool = True) -> float:
    """PostgreSQL's estimate of how many products match (planning only, ~0.3 ms)."""
    join_sql = " JOIN vendors_vendor v ON v.id = p.vendor_id" if join else ""
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM catalog_product p{join_sql} WHERE {' AND '.join(where)}"
    return _fetch(sql, args)[0][0][0]["Plan"]["Plan Rows"]


def ranked_search_sql(params: SearchParams, where: list[str], args: list) -> tuple[str, list, bool] | None:
    """``_ranked_search``'s statement and whether it is windowed, or None if few matches are expected."""
    if not _estimate_is_informed(params):
        return None  # PostgreSQL doesn't know these words: they are probably rare
    estimate = _match_estimate(where, args)
    if estimate < COUNT_CAP / 4:
        return None  # probably few: counting them all first is cheap and exact
    newest = _fetch("SELECT max(id) FROM catalog_product", [])[0][0] or 0
    span = math.ceil((COUNT_CAP + 1) * CANDIDATE_SLACK * newest / estimate)
    windowed = span < newest
    if windowed:
        where, args = [*where, "p.id > %s"], [*args, newest - span]
    columns = "c.category_id, (c.price * 100)::bigint, c.id, c.distance"
    return (*_ranked_sql(params, where, args, limit=COUNT_CAP + 1, columns=columns), windowed)


def _facets(rows: list[tuple], params: SearchParams) -> dict:
    by_category: dict[int, int] = {}
    buckets = [0] * len(PRICE_BUCKETS)
    bounds = [(int(low * 100), None if high is None else int(high * 100)) for low, high in PRICE_BUCKETS]
    for category_id, price_cents, *_rest in rows[:COUNT_CAP]:
        by_category[category_id] = by_category.get(category_id, 0) + 1
        for i, (low, high) in enumerate(bounds):
            if price_cents >= low and (high is None or price_cents < high):
                buckets[i] += 1
                break
    known = category_names()
    categories = sorted(
        (
            {"id": pk, "slug": known[pk][1], "name": known[pk][0], "count": n}
            for pk, n in by_category.items()
            if pk in known
        ),
        key=lambda c: (-c["count"], c["name"]),
    )
    prices = [
        {"min": str(low), "max": str(high) if high is not None else None, "count": n}
        for (low, high), n in zip(PRICE_BUCKETS, buckets, strict=True)
    ]
    return {"categories": categories, "prices": prices, "approximate": len(rows) > COUNT_CAP}


def _suggest(q: str) -> tuple[str, bool]:
    """(the query with each unknown word replaced by the closest listed word (pg_trgm), or "";
    whether every word is a listed word already)."""
    words = re.findall(r"[^\W\d_]+", q.lower())
    if not words:
        return "", False
    known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
    corrected, changed, all_known = [], False, True
    for word in words:
        if word in known or len(word) < 3 or word == "or":
            corrected.append(word)
            continue
        all_known = False
        rows = _fetch(
            "SELECT word FROM catalog_searchword WHERE word %% %s "
            "ORDER BY similarity(word, %s) DESC, documents DESC, word LIMIT 1",
            [word, word],
        )
        replacement = rows[0][0] if rows else word
        changed = changed or replacement != word
        corrected.append(replacement)
    return (" ".join(corrected) if changed else ""), all_known


def _typo_ids(params: SearchParams, where: list[str], args: list) -> list[int]:
    """Products whose title is close to the query (trigram word similarity), best first."""
    sql = (
        "SELECT p.id FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
        f"WHERE {' AND '.join(where)} AND %s <%% p.title "
        f"ORDER BY word_similarity(%s, p.title) DESC, p.id DESC LIMIT {PAGE_SIZE}"
    )
    return [row[0] for row in _fetch(sql, [*args, params.q, params.q])]


def product_search(*, params: SearchParams, use_cache: bool = True) -> SearchResult:
    key = f"search:{catalogue_version()}:{params.cache_key()}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return _hydrate(cached)
    from catalog.selectors import category_descendant_ids

    category_ids = category_descendant_ids(category=params.category) if params.category else None
    where, args = _where(params, category_ids=category_ids, with_text=True)
    ranked = _ranked_search(params, where, args) if params.sort == "relevance" else None
    rows = ranked if ranked is not None else _capped_rows(where, args)
    count, capped = min(len(rows), COUNT_CAP), len(rows) > COUNT_CAP
    pages = max(1, math.ceil(count / PAGE_SIZE)) if not capped else max(1, math.ceil(CANDIDATES / PAGE_SIZE))
    if params.page > pages and count:
        raise SearchError("page", f"There are only {pages} page{'s' if pages != 1 else ''}.")
    offset = (params.page - 1) * PAGE_SIZE
    if ranked is not None:
        ids_with_distance = [(row[2], row[3]) for row in ranked[:CANDIDATES][offset : offset + PAGE_SIZE]]
    elif count and not capped and params.sort in _SMALL_SET_SORTS:
        # Every match is in ``rows`` already: order them here, no second query.
        page_rows = sorted(rows, key=_SMALL_SET_SORTS[params.sort])[offset : offset + PAGE_SIZE]
        ids_with_distance = [(row[2], None) for row in page_rows]
    elif count and not capped:
        # Every match is known (at most COUNT_CAP): rank or measure just those, found by primary key.
        # Without this, a rare word (whose prefix query PostgreSQL can't estimate) sorted by price
        # can walk the whole price index looking for matches: ~1 s at 1M products.
        ids_with_distance = _fetch(*_ids_sql(params, ["p.id = ANY(%s)"], [[row[2] for row in rows]], offset))
    elif count:
        ids_with_distance = _fetch(*_ids_sql(params, where, args, offset))
    else:
        ids_with_distance = []
    facets = _facets(rows, params)
    suggestion, typo = "", False
    if params.q and count < TYPO_THRESHOLD:
        suggestion, all_known = _suggest(params.q)
        if not count and suggestion:
            # Nothing for what was typed: show what the corrected words find ("Did you mean …?").
            corrected = product_search(params=replace(params, q=suggestion, page=1), use_cache=False)
            if corrected.count:
                corrected.suggestion, corrected.typo_fallback = suggestion, True
                return corrected
        if not count and not all_known:
            # Near-miss titles only for words nobody lists: for listed words spelt right,
            # nothing found means the filters exclude them, and "bowl" for "cowl" is noise.
            plain_where, plain_args = _where(params, category_ids=category_ids, with_text=False)
            typo_ids = _typo_ids(params, plain_where, plain_args)
            if typo_ids:
                typo = True
                ids_with_distance = [(pk, None) for pk in typo_ids]
                count = len(typo_ids)
    data = {
        "ids": [row[0] for row in ids_with_distance],
        "distances": {row[0]: row[1] for row in ids_with_distance if row[1] is not None},
        "count": count,
        "capped": capped,
        "page": params.page,
        "pages": pages,
        "facets": facets,
        "suggestion": suggestion,
        "typo": typo,
    }
    if use_cache:
        cache.set(key, data, CACHE_SECONDS)
    return _hydrate(data)


def _hydrate(data: dict) -> SearchResult:
    return SearchResult(
        ids=data["ids"],
        count=data["count"],
        count_capped=data["capped"],
        page=data["page"],
        pages=data["pages"],
        facets=data["facets"],
        suggestion=data["suggestion"],
        distances=data["distances"],
        typo_fallback=data["typo"],
    )
