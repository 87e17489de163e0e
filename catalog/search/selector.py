"""``product_search``: the one selector behind the search page, category pages and the API."""

import math
from dataclasses import replace

from django.core.cache import cache

from catalog.selectors import category_descendant_ids, fetch_rows
from marketplace.cache_versions import catalogue_version

from . import limits
from .facets import facets_count
from .params import SearchPageMissing, SearchParams
from .planner import ranked_search
from .results import SearchResult, result_from_cache
from .sql import SMALL_SET_SORTS, capped_rows, ids_sql, where_clauses
from .typos import query_suggest, typo_ids


def product_search(*, params: SearchParams, use_cache: bool = True) -> SearchResult:
    key = f"search:{catalogue_version()}:{params.cache_key()}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return result_from_cache(cached)
    category_ids = category_descendant_ids(category=params.category) if params.category else None
    where, args = where_clauses(params, category_ids=category_ids, with_text=True)
    ranked = ranked_search(params, where, args) if params.sort == "relevance" else None
    rows = ranked if ranked is not None else capped_rows(where, args)
    count, capped = min(len(rows), limits.COUNT_CAP), len(rows) > limits.COUNT_CAP
    pages = (
        max(1, math.ceil(count / params.page_size))
        if not capped
        else max(1, math.ceil(limits.CANDIDATES / params.page_size))
    )
    if params.page > pages and count:
        raise SearchPageMissing("page", f"There are only {pages} page{'s' if pages != 1 else ''}.")
    offset = (params.page - 1) * params.page_size
    if ranked is not None:
        ids_with_distance = [
            (row[2], row[3]) for row in ranked[: limits.CANDIDATES][offset : offset + params.page_size]
        ]
    elif count and not capped and params.sort in SMALL_SET_SORTS:
        # Every match is in ``rows`` already: order them here, no second query.
        page_rows = sorted(rows, key=SMALL_SET_SORTS[params.sort])[offset : offset + params.page_size]
        ids_with_distance = [(row[2], None) for row in page_rows]
    elif count and not capped:
        # Every match is known (at most COUNT_CAP): rank or measure just those, found by primary key.
        # Without this, a rare word (whose prefix query PostgreSQL can't estimate) sorted by price
        # can walk the whole price index looking for matches: ~1 s at 1M products.
        ids_with_distance = fetch_rows(*ids_sql(params, ["p.id = ANY(%s)"], [[row[2] for row in rows]], offset))
    elif count:
        ids_with_distance = fetch_rows(*ids_sql(params, where, args, offset))
    else:
        ids_with_distance = []
    facets = facets_count(rows, params)
    suggestion, typo = "", False
    if params.q and count < limits.TYPO_THRESHOLD:
        suggestion, all_known = query_suggest(params.q)
        if not count and suggestion:
            # Nothing for what was typed: show what the corrected words find ("Did you mean …?").
            corrected = product_search(params=replace(params, q=suggestion, page=1), use_cache=False)
            if corrected.count:
                corrected.suggestion, corrected.typo_fallback = suggestion, True
                return corrected
        if not count and not all_known:
            # Near-miss titles only for words nobody lists: for listed words spelt right,
            # nothing found means the filters exclude them, and "bowl" for "cowl" is noise.
            plain_where, plain_args = where_clauses(params, category_ids=category_ids, with_text=False)
            near_misses = typo_ids(params, plain_where, plain_args)
            if near_misses:
                typo = True
                ids_with_distance = [(pk, None) for pk in near_misses]
                count = len(near_misses)
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
        cache.set(key, data, limits.CACHE_SECONDS)
    return result_from_cache(data)
