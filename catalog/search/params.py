"""Parsing a search's query string into checked parameters, one explanation per bad input."""

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from catalog.models import MAX_PRICE, Category
from vendors.geocoding import town_locate

from .limits import PAGE_SIZE

MAX_QUERY_LENGTH = 200
MAX_RADIUS_KM = 20000
DEFAULT_RADIUS_KM = 50

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


class SearchPageMissing(SearchError):
    """A well-formed page number past the last page (the API answers 404, like every list)."""


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
    page_size: int = PAGE_SIZE  # the API may ask for another (marketplace.api.Pages checks it)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None

    def cache_key(self) -> str:
        data = asdict(self)
        data["category"] = self.category.pk if self.category else None
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _get(data, name: str) -> str:
    # One name per parameter, the page's and the API's alike (snake_case, docs/api.md).
    return (data.get(name) or "").strip()


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
