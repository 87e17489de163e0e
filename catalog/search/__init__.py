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
  them and counts them (``planner.ranked_search``); otherwise the matches are counted
  first and, if there are few, fetched whole.
- Counts and facets are computed over at most ``COUNT_CAP`` + 1 matches and
  reported as "1,000+" beyond that, instead of counting 85K rows per request.
- Pages of results are ordered in Python when every match is already in hand,
  so a rare word sorted by price never walks the price index.
- Results and facets (and, in the views, the rendered results) are cached under a
  catalogue version that every product or
  shop change bumps, so a cached page never outlives an edit.

The package, by concern:
- ``limits``: the bounds above (page size, candidates, count cap, cache time).
- ``params``: parsing and checking a query string (``search_params_parse``).
- ``sql``: the statements (filters, text query, distance, orders, ranking).
- ``planner``: PostgreSQL's estimates, and the one-query ranked path they choose.
- ``facets``: category and price counts.
- ``typos``: "Did you mean …?" and near-miss titles.
- ``results``: ``SearchResult`` and its cached form.
- ``selector``: ``product_search``, which puts them together.
"""

from .facets import PRICE_BUCKETS
from .limits import CACHE_SECONDS, CANDIDATES, COUNT_CAP, PAGE_SIZE
from .params import SORTS, SearchError, SearchPageMissing, SearchParams, search_params_parse
from .planner import ranked_search_sql
from .results import SearchResult
from .selector import product_search

__all__ = [
    "CACHE_SECONDS",
    "CANDIDATES",
    "COUNT_CAP",
    "PAGE_SIZE",
    "PRICE_BUCKETS",
    "SORTS",
    "SearchError",
    "SearchPageMissing",
    "SearchParams",
    "SearchResult",
    "product_search",
    "ranked_search_sql",
    "search_params_parse",
]
