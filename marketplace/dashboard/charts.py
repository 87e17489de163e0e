"""Per-day trends as server-drawn SVG bar charts: no JavaScript, nothing from a CDN, drawn the same in every browser.

The chart only draws; the numbers are always beside it (the figure, the largest day) and in a table of
every day under it, so a screen reader or a printout loses nothing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# The drawing's own units; the SVG scales to the width of its box (viewBox + width 100 %).
WIDTH = 600
HEIGHT = 120
TOP = 8  # room above the tallest bar
GAP = 0.2  # of each day's slot left empty between bars


@dataclass(frozen=True)
class Bar:
    day: date
    value: Decimal | int | None
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    peak: Decimal | int | None
    peak_day: date | None


def chart_bars(per_day: dict[date, Decimal | int | None], days: list[date]) -> Chart:
    """Bars for each of ``days`` (a day missing from ``per_day``, or None, has no bar), scaled to the largest."""
    values = [per_day.get(day) for day in days]
    known = [(v, d) for v, d in zip(values, days, strict=True) if v is not None]
    peak, peak_day = max(known, key=lambda pair: pair[0]) if known else (None, None)
    slot = WIDTH / max(len(days), 1)
    drawable = HEIGHT - TOP
    bars = []
    for n, (day, value) in enumerate(zip(days, values, strict=True)):
        if value is None or not peak or value <= 0:
            height = 0.0
        else:
            height = round(float(Decimal(value) / Decimal(peak)) * drawable, 2)
        bars.append(
            Bar(
                day=day, value=value, x=round(n * slot + slot * GAP / 2, 2), y=round(HEIGHT - height, 2),
                width=round(slot * (1 - GAP), 2), height=height,
            )
        )  # fmt: skip
    return Chart(width=WIDTH, height=HEIGHT, bars=bars, peak=peak, peak_day=peak_day)
