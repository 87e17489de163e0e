"""The town index: its ranking, the compact file's binary search, and the build on first use."""

import pytest

from vendors import geocoding


def _city(name, country, population, *, alternatenames=(), latitude=1.0, longitude=2.0):
    return {
        "name": name,
        "countrycode": country,
        "population": population,
        "latitude": latitude,
        "longitude": longitude,
        "alternatenames": list(alternatenames),
    }


@pytest.fixture
def index_file(tmp_path, monkeypatch, settings):
    """Points the app at an index written from the given towns, in a fresh state."""

    def write(towns, named_towns=()):
        settings.GAZETTEER_DIR = tmp_path
        geocoding.gazetteer_write(
            geocoding.gazetteer_rank(towns=towns, named_towns=named_towns), geocoding.gazetteer_path()
        )
        monkeypatch.setattr(geocoding, "_loaded", None)

    yield write
    geocoding._loaded = None


def test_a_towns_own_name_beats_another_towns_alternate_name_then_the_bigger_town_wins(index_file):
    big_city = _city("Florence", "IT", 360_000, alternatenames=["Firenze", "Lucca"], latitude=43.77)
    small_lucca = _city("Lucca", "IT", 89_000, latitude=43.84)
    two_springfields = [_city("Springfield", "US", 160_000, latitude=39.8), _city("Springfield", "US", 110_000)]
    index_file([small_lucca, *two_springfields], [big_city])

    assert geocoding.town_locate(town="firenze", country="it").name == "Florence"
    assert geocoding.town_locate(town="Lucca", country="IT").latitude == 43.84  # its own name, though smaller
    assert geocoding.town_locate(town="Springfield", country="US").latitude == 39.8


def test_every_name_written_is_found_and_nothing_else(index_file):
    towns = [
        _city("Bath", "GB", 90_000),
        _city("Bathgate", "GB", 20_000),
        _city("Fès", "MA", 1_100_000),
        _city("Zürich", "CH", 420_000),
        _city("São Paulo", "BR", 12_000_000),
        _city("Aachen", "DE", 250_000),
        _city("Zwolle", "NL", 130_000),
        _city("Straße  am   See", "DE", 1_200),  # spaces collapse, ß casefolds to ss
    ]
    index_file(towns)

    for town in towns:
        place = geocoding.town_locate(town=town["name"].upper(), country=town["countrycode"].lower())
        assert place is not None and place.country == town["countrycode"], town["name"]
    assert geocoding.town_locate(town="strasse am see", country="DE").name == "Straße am See"
    # Before the first key, after the last, a prefix of a key, a longer name, another country, blanks.
    for town, country in [
        ("Aa", "AA"),
        ("Zz", "ZZ"),
        ("Bat", "GB"),
        ("Bathgates", "GB"),
        ("Bath", "US"),
        ("", "GB"),
        ("Bath", "G"),
    ]:
        assert geocoding.town_locate(town=town, country=country) is None, (town, country)


def test_a_missing_index_is_built_once_in_a_child_process_from_the_real_gazetteer(tmp_path, monkeypatch, settings):
    settings.GAZETTEER_DIR = tmp_path / "new"
    monkeypatch.setattr(geocoding, "_loaded", None)
    try:
        bath = geocoding.town_locate(town="Bath", country="GB")
        assert bath.name == "Bath" and 51 < bath.latitude < 52 and -3 < bath.longitude < -2
        assert geocoding.town_locate(town="Firenze", country="IT").name == "Florence"
        assert geocoding.town_locate(town="Fez", country="MA").population > 1_000_000  # Fes, by an alternate name
        assert [path.name for path in (tmp_path / "new").iterdir()] == [geocoding.gazetteer_path().name]
    finally:
        geocoding._loaded = None
