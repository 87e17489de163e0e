"""The dashboard's registry: every app's figures found once, in section order, keys unique, sections known."""

import pytest

from marketplace import dashboard
from marketplace.dashboard import ATTENTION, SECTIONS, Figure, Panel, Result, register, registered_panels


def _panel(key: str, section: str = ATTENTION) -> Panel:
    figure = Figure(key, "A figure", "orders.view_order", "orders.order", lambda period: {})
    return Panel(section=section, figures=(figure,), compute=lambda period: {key: Result(0)})


def test_every_apps_figures_are_found_in_section_order():
    panels = registered_panels()

    keys = [f.key for p in panels for f in p.figures]
    assert len(keys) == len(set(keys))
    assert {"gmv", "orders", "payment_success", "new_shoppers", "new_shops", "orders_overdue", "shops_pending",
            "reviews_reported", "webhooks_failing", "transfers_failed"} <= set(keys)  # fmt: skip
    assert [SECTIONS.index(p.section) for p in panels] == sorted(SECTIONS.index(p.section) for p in panels)
    assert registered_panels() == panels  # discovered once


def test_a_figure_key_registered_twice_is_refused(monkeypatch):
    monkeypatch.setattr(dashboard, "_registry", dashboard._Registry(discovered=True))
    register(_panel("twice"))

    with pytest.raises(ValueError, match="registered twice"):
        register(_panel("twice"))


def test_an_unknown_section_is_refused(monkeypatch):
    monkeypatch.setattr(dashboard, "_registry", dashboard._Registry(discovered=True))

    with pytest.raises(ValueError, match="Unknown dashboard section"):
        register(_panel("elsewhere", section="Miscellany"))
