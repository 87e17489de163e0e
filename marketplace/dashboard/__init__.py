"""The staff dashboard's figures: a registry the apps fill, so the core never imports an app.

Each app that has something to show writes a ``dashboard.py`` (found like ``admin.py``, by
autodiscovery) registering a ``Panel``: the figures it yields and one function computing them for a
``Period`` from the app's own selectors, in as few aggregate queries as it can. The page
(``marketplace.dashboard.page``) computes only the panels with a figure the person may see.

A figure is shown only to staff who may view the admin list it links to (``permission``): money
totals link to the ledger and refunds, so a support person without finance permissions sees the
counts and not the money.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .periods import Period

# Sections of the page, in the order shown.
SALES = "Sales"
PAYMENTS = "Payments"
PEOPLE = "People and shops"
ATTENTION = "Needs a human"
SECTIONS = (SALES, PAYMENTS, PEOPLE, ATTENTION)

Number = Decimal | int | None


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and the admin list behind it.

    ``changelist`` is ``"app_label.modelname"``; ``filters(period)`` the changelist's query string
    parameters that list exactly the rows the figure counts (or sums). ``chart`` draws its per-day trend.
    """

    key: str
    label: str
    permission: str
    changelist: str
    filters: Callable[[Period], dict]
    fmt: str = "count"  # "count", "money" or "percent"
    chart: bool = False
    help: str = ""


@dataclass(frozen=True)
class Result:
    value: Number
    per_day: dict[date, Number] | None = None


@dataclass(frozen=True)
class Panel:
    section: str
    figures: tuple[Figure, ...]
    # Period -> {figure key: Result}; a figure over the state now (a queue) ignores the period.
    compute: Callable[[Period], dict[str, Result]]
    position: int = 100


@dataclass
class _Registry:
    panels: list[Panel] = field(default_factory=list)
    discovered: bool = False


_registry = _Registry()


def register(panel: Panel) -> Panel:
    if panel.section not in SECTIONS:
        raise ValueError(f"Unknown dashboard section {panel.section!r}; one of {SECTIONS}.")
    keys = {f.key for p in _registry.panels for f in p.figures}
    clash = keys & {f.key for f in panel.figures}
    if clash:
        raise ValueError(f"Dashboard figure(s) registered twice: {sorted(clash)}")
    _registry.panels.append(panel)
    return panel


def registered_panels() -> list[Panel]:
    """Every app's panels (their ``dashboard`` modules imported once), by section then position."""
    if not _registry.discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("dashboard")  # each app's dashboard.py (this package is the core's "dashboard")
        from . import core  # noqa: F401  the core's own figures (webhook events)

        _registry.discovered = True
    return sorted(_registry.panels, key=lambda p: (SECTIONS.index(p.section), p.position))


def per_day_total(per_day: dict[date, Number]) -> Number:
    """The period's total of a per-day series of sums or counts (no rows at all is zero)."""
    return sum((v for v in per_day.values() if v is not None), start=0)
