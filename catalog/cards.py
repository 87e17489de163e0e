"""Product cards for result pages, each drawn once per catalogue version and then read from the cache.

A search nobody has asked before still shows mostly products someone has seen: drawing 24 cards
(loading each product, its shop and photo, and building its markup) cost more than the search
itself. Here a page reads its cards in one round trip, and loads and draws only the ones missing.

A card is the same on every page but for the heart's ``next`` (where a guest lands after signing
in): it is stored with a placeholder that each page fills in. Every product, shop, photo and category
write bumps the catalogue version in the key, so a card never outlives an edit; the ids come from
a search that shows only visible products.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from marketplace.cache_versions import catalogue_version
from vendors.selectors import vendor_map_marker

from .selectors import products_by_ids

CARD_SECONDS = 600
_NEXT_PLACEHOLDER = "__card-next-path__"


@dataclass(frozen=True)
class Cards:
    html: SafeString  # the cards, in the order of the ids
    markers: list[dict]  # one per shop with a location, for the results map
    count: int


def cards_for(ids: list[int], *, next_path: str) -> Cards:
    from .templatetags.catalog_images import product_card_html

    version = catalogue_version()
    keys = {pk: f"card:{version}:{pk}" for pk in ids}
    found = cache.get_many(list(keys.values())) if keys else {}
    missing = [pk for pk in ids if keys[pk] not in found]
    if missing:
        drawn = {
            keys[product.pk]: {
                "html": str(product_card_html(product, context={"next_path": _NEXT_PLACEHOLDER})),
                "shop": next(iter(vendor_map_marker(vendor=product.vendor)), None),
            }
            for product in products_by_ids(missing)
        }
        cache.set_many(drawn, CARD_SECONDS)
        found |= drawn
    entries = [found[keys[pk]] for pk in ids if keys[pk] in found]
    html = "".join(entry["html"] for entry in entries).replace(_NEXT_PLACEHOLDER, escape(next_path))
    markers = {}
    for entry in entries:
        if entry["shop"] is not None:
            markers.setdefault(entry["shop"]["url"], entry["shop"])
    return Cards(html=mark_safe(html), markers=list(markers.values()), count=len(entries))  # noqa: S308 -- escaped
