"""What a search returns, and the plain form it is cached in."""

from dataclasses import dataclass, field
from functools import cached_property

from catalog.models import Product
from catalog.selectors import products_by_ids


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
        return products_by_ids(self.ids)

    @property
    def count_label(self) -> str:
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"


def result_from_cache(data: dict) -> SearchResult:
    """The result stored by ``product_search`` (plain values, so any cache backend can hold it)."""
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
