"""Per-day trends as server-drawn SVG bar charts: no JavaScript, nothing from a CDN, drawn the same in every browser.

The chart only draws; the numbers are always beside it (the figure, the largest day) and in a table of
every day under it, so a screen reader or a printout loses nothing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


def _day(day: date, fmt: str) -> str:
    return day.strftime(fmt).replace(" 0", " ").lstrip("0")


def chart_html(*, key: str, label: str, period_label: str, chart: Chart, texts: list[str], peak: str) -> SafeString:
    """The chart's SVG, its legend (first day, highest day, last day) and the table of every day.

    Built here rather than in a template loop: a 90-day period has ten charts of 90 bars and rows, and
    Django's template engine spent most of the page's time on them (see ``manage.py bench_dashboard``).
    Every text from outside this module goes through ``escape``.
    """
    label, key = escape(label), escape(key)
    highest = f"; highest {escape(peak)} on {_day(chart.peak_day, '%d %b')}" if peak else ""
    bars = "".join(
        f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}">'
        f"<title>{_day(bar.day, '%d %b')}: {escape(text)}</title></rect>"
        for bar, text in zip(chart.bars, texts, strict=True)
        if bar.height
    )
    rows = "".join(
        f'<tr><th scope="row">{bar.day.strftime("%a")} {_day(bar.day, "%d %b")}</th><td>{escape(text)}</td></tr>'
        for bar, text in zip(chart.bars, texts, strict=True)
    )
    first, last = chart.bars[0].day, chart.bars[-1].day
    peak_note = f"<span>highest: {escape(peak)} ({_day(chart.peak_day, '%d %b')})</span>" if peak else ""
    return mark_safe(  # noqa: S308 every interpolated text above is escaped or a number/date we made
        f'<svg class="dashboard-chart" viewBox="0 0 {chart.width} {chart.height}" width="100%" '
        f'preserveAspectRatio="none" role="img" aria-labelledby="chart-{key}-title">'
        f'<title id="chart-{key}-title">{label} per day, {escape(period_label.lower())}{highest}</title>'
        f'<line x1="0" y1="{chart.height}" x2="{chart.width}" y2="{chart.height}" class="axis"/>{bars}</svg>'
        f'<p class="dashboard-chart-legend"><span>{_day(first, "%d %b")}</span>{peak_note}'
        f"<span>{_day(last, '%d %b')}</span></p>"
        f'<details><summary>Each day</summary><table><thead><tr><th scope="col">Day</th>'
        f'<th scope="col">{label}</th></tr></thead><tbody>{rows}</tbody></table></details>'
    )
