"""The statements: filters, the text query, distance, orders and the relevance score.

Values always travel as bound parameters; only column names and constants are
spliced into the SQL text.
"""

import math
import re

from catalog.models import VISIBLE_SQL
from catalog.selectors import fetch_rows
from vendors.models import vendor_visible_sql

from . import limits
from .params import SearchParams

EARTH_RADIUS_KM = 6371.0088

_PREFIXABLE = re.compile(r"[^\W_]{2,}")


def tsquery_sql(q: str) -> tuple[str, list]:
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


def distance_sql(params: SearchParams) -> tuple[str, list]:
    return _DISTANCE_SQL, [EARTH_RADIUS_KM, params.lat, params.lat, params.lng]


def where_clauses(params: SearchParams, *, category_ids: list[int] | None, with_text: bool) -> tuple[list[str], list]:
    where = [VISIBLE_SQL]
    args: list = []
    if with_text and params.q:
        sql, q_args = tsquery_sql(params.q)
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
    distance, distance_args = distance_sql(params)
    rows = fetch_rows(
        f"SELECT v.id FROM vendors_vendor v WHERE {vendor_visible_sql('v')} AND {box} AND {distance} <= %s",
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


def ranked_sql(params: SearchParams, where: list[str], args: list, *, limit: int, columns: str) -> tuple[str, list]:
    """The newest ``limit`` matches, best first by ``_SCORE_SQL`` (see the module docstring).

    Newest by id: ids follow creation order, and PostgreSQL can walk the primary key
    backwards and stop, where ordering by date sorted every match with its search
    vector (~2 ms for "handmade" with a price range at 100K products).
    """
    q_sql, q_args = tsquery_sql(params.q)
    distance, distance_args = distance_sql(params) if params.has_location else ("NULL::float", [])
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


def ids_sql(params: SearchParams, where: list[str], args: list, offset: int) -> tuple[str, list]:
    from_sql = "FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id"
    distance, distance_args = distance_sql(params) if params.has_location else ("NULL::float", [])
    if params.sort == "relevance":
        sql, sql_args = ranked_sql(params, where, args, limit=limits.CANDIDATES, columns="c.id, c.distance")
        return f"{sql} LIMIT {params.page_size} OFFSET %s", [*sql_args, offset]
    sql = (
        f"SELECT p.id, {distance} AS distance {from_sql} WHERE {' AND '.join(where)} "
        f"ORDER BY {_order_by(params)} LIMIT {params.page_size} OFFSET %s"
    )
    return sql, [*distance_args, *args, offset]


def capped_rows(where: list[str], args: list) -> list[tuple]:
    """At most COUNT_CAP + 1 matches, as (category_id, price_cents, id, created_epoch, rating_avg, rating_count).

    One pass gives the count, the facets and, when that is every match, the page
    itself for the sorts that need no text rank or distance (see ``SMALL_SET_SORTS``).
    Integers and floats, not Decimals and datetimes: parsing 1,001 rows of those cost
    ~1.5 ms. Each conversion keeps the order and the ties (prices are whole cents;
    a float8 holds 2-decimal ratings and microsecond epochs of this century exactly
    enough to sort them as PostgreSQL does). Sorting and counting only, never arithmetic.
    """
    sql = (
        "SELECT p.category_id, (p.price * 100)::bigint, p.id, extract(epoch FROM p.created_at)::float8, "
        "p.rating_avg::float8, p.rating_count "
        "FROM catalog_product p JOIN vendors_vendor v ON v.id = p.vendor_id "
        f"WHERE {' AND '.join(where)} LIMIT {limits.COUNT_CAP + 1}"
    )
    return fetch_rows(sql, args)


# The SQL orders of ``_order_by`` as Python sort keys over ``capped_rows`` rows, for
# result sets small enough to be fetched whole: no second query for their page.
SMALL_SET_SORTS = {
    "price_asc": lambda r: (r[1], r[2]),
    "price_desc": lambda r: (-r[1], -r[2]),
    "newest": lambda r: (-r[3], -r[2]),
    "rating": lambda r: (r[4] is None, -(r[4] or 0), -r[5], -r[2]),
}
