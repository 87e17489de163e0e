"""Facets: how many matches fall in each category and price band."""

from decimal import Decimal

from catalog.selectors import category_names

from . import limits
from .params import SearchParams

PRICE_BUCKETS = [(Decimal("0"), Decimal("25")), (Decimal("25"), Decimal("50")), (Decimal("50"), Decimal("100")),
                 (Decimal("100"), Decimal("250")), (Decimal("250"), None)]  # fmt: skip


def facets_count(rows: list[tuple], params: SearchParams) -> dict:
    by_category: dict[int, int] = {}
    buckets = [0] * len(PRICE_BUCKETS)
    bounds = [(int(low * 100), None if high is None else int(high * 100)) for low, high in PRICE_BUCKETS]
    for category_id, price_cents, *_rest in rows[: limits.COUNT_CAP]:
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
    return {"categories": categories, "prices": prices, "approximate": len(rows) > limits.COUNT_CAP}
