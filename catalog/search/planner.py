"""PostgreSQL's estimates, and the one-query ranked path they choose for common words."""

import math
import time

from catalog.selectors import fetch_rows

from . import limits
from .params import SearchParams
from .sql import ranked_sql, tsquery_sql


def ranked_search(params: SearchParams, where: list[str], args: list) -> list[tuple] | None:
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
    rows = fetch_rows(sql, sql_args)
    if windowed and len(rows) <= limits.COUNT_CAP:
        return None  # the window missed some matches: count them properly
    return rows


_UNKNOWN_WORD = "qzxjvwkq"  # no catalogue has it: PostgreSQL's estimate for it is its "don't know"
_STATISTICS_SECONDS = 600  # how long an answer read from PostgreSQL's statistics is reused in a process
_unknown_estimate: dict = {}
_informed: dict[tuple, tuple[float, bool]] = {}  # the text query's SQL and words -> (when, informed)
_INFORMED_KEPT = 4096  # queries remembered per process; past that, forgotten all at once
_newest: dict = {}


def estimate_is_informed(params: SearchParams) -> bool:
    """Whether PostgreSQL's statistics know the query's words.

    A word outside the lexemes it tracks gets a fixed guess (0.5 % of the rows, or
    less), which would send rare words down the path meant for common ones. The
    guess is learnt from a word no catalogue has, once per 10 minutes per process.
    The answer for a query is kept as long: it changes only when the table is
    analysed, and a search nobody asked before is mostly words others typed (one
    planning round trip fewer, ~0.5 ms of the database's time).
    """
    q_sql, q_args = tsquery_sql(params.q)
    now = time.monotonic()
    kept = _informed.get((q_sql, *q_args))
    if kept is not None and kept[0] >= now - _STATISTICS_SECONDS:
        return kept[1]
    text_only = ["p.search_vector @@ " + q_sql]
    if _unknown_estimate.get("at", -1e9) < now - _STATISTICS_SECONDS:
        unknown_sql, unknown_args = tsquery_sql(_UNKNOWN_WORD)
        _unknown_estimate.update(
            at=now, rows=match_estimate(["p.search_vector @@ " + unknown_sql], unknown_args, join=False)
        )
    informed = abs(match_estimate(text_only, q_args, join=False) - _unknown_estimate["rows"]) >= 1
    if len(_informed) >= _INFORMED_KEPT:
        _informed.clear()
    _informed[(q_sql, *q_args)] = (now, informed)
    return informed


def newest_product_id() -> int:
    """The highest product id, read at most once a minute per process.

    Only the id window below uses it, and an old value is safe there: products
    added since have higher ids, which the window (no upper bound) still takes in;
    a deleted newest product makes the window too narrow, and a window that holds
    too few matches falls back to counting them exactly.
    """
    now = time.monotonic()
    if _newest.get("at", -1e9) < now - 60:
        _newest.update(at=now, id=fetch_rows("SELECT max(id) FROM catalog_product", [])[0][0] or 0)
    return _newest["id"]


def statistics_forget() -> None:
    """Forget what this process read from PostgreSQL's statistics (tests that analyse a new table)."""
    _unknown_estimate.clear()
    _informed.clear()
    _newest.clear()


def match_estimate(where: list[str], args: list, *, join: bool = True) -> float:
    """PostgreSQL's estimate of how many products match (planning only, ~0.3 ms)."""
    join_sql = " JOIN vendors_vendor v ON v.id = p.vendor_id" if join else ""
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM catalog_product p{join_sql} WHERE {' AND '.join(where)}"
    return fetch_rows(sql, args)[0][0][0]["Plan"]["Plan Rows"]


def ranked_search_sql(params: SearchParams, where: list[str], args: list) -> tuple[str, list, bool] | None:
    """``ranked_search``'s statement and whether it is windowed, or None if few matches are expected."""
    if not estimate_is_informed(params):
        return None  # PostgreSQL doesn't know these words: they are probably rare
    estimate = match_estimate(where, args)
    if estimate < limits.COUNT_CAP / 4:
        return None  # probably few: counting them all first is cheap and exact
    newest = newest_product_id()
    span = math.ceil((limits.COUNT_CAP + 1) * limits.CANDIDATE_SLACK * newest / estimate)
    windowed = span < newest
    if windowed:
        where, args = [*where, "p.id > %s"], [*args, newest - span]
    columns = "c.category_id, (c.price * 100)::bigint, c.id, c.distance"
    return (*ranked_sql(params, where, args, limit=limits.COUNT_CAP + 1, columns=columns), windowed)
