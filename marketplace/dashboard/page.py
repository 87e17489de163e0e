"""The dashboard page's content for one person and one period: the figures they may see, formatted, with links."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from marketplace.templatetags.site_tags import money

from . import ATTENTION, SECTIONS, Figure, Number, registered_panels
from .charts import chart_bars, chart_html
from .periods import DEFAULT as DEFAULT_KEY
from .periods import PRESETS, Period, PeriodError, period_parse, period_preset


@dataclass(frozen=True)
class Shown:
    figure: Figure
    value: Number
    display: str
    url: str
    chart: SafeString  # the SVG with its legend and the table of every day; empty without a trend


def figure_display(value: Number, fmt: str) -> str:
    if value is None:
        return "–"
    if fmt == "money":
        return money(value)
    if fmt == "percent":
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"
    return f"{value:,}"


def figure_url(figure: Figure, period: Period) -> str:
    app_label, model = figure.changelist.split(".")
    query = urlencode(figure.filters(period))
    url = reverse(f"admin:{app_label}_{model}_changelist")
    return f"{url}?{query}" if query else url


def dashboard_sections(*, user, period: Period) -> list[tuple[str, list[Shown]]]:
    """``[(section, [figure shown, ...]), ...]`` for ``user``: panels none of whose figures they may see
    are not computed at all."""
    shown: dict[str, list[Shown]] = {section: [] for section in SECTIONS}
    for panel in registered_panels():
        visible = [f for f in panel.figures if user.has_perm(f.permission)]
        if not visible:
            continue
        results = panel.compute(period)
        for figure in visible:
            result = results[figure.key]
            chart = mark_safe("")
            if figure.chart and result.per_day is not None:
                bars = chart_bars(result.per_day, period.days)
                chart = chart_html(
                    key=figure.key, label=figure.label, period_label=period.label, chart=bars,
                    texts=[figure_display(result.per_day.get(day), figure.fmt) for day in period.days],
                    peak=figure_display(bars.peak, figure.fmt) if bars.peak else "",
                )  # fmt: skip
            shown[panel.section].append(
                Shown(
                    figure=figure, value=result.value, display=figure_display(result.value, figure.fmt),
                    url=figure_url(figure, period), chart=chart,
                )
            )  # fmt: skip
    return [(section, figures) for section, figures in shown.items() if figures]


def dashboard_context(request) -> dict:
    """The admin index's extra context: the period asked for (or the default, with the reason), its figures."""
    error = ""
    try:
        period = period_parse(request.GET)
    except PeriodError as exc:
        error = str(exc)
        period = period_preset(DEFAULT_KEY)
    return {
        "period": period,
        "period_error": error,
        "presets": [(key, label) for key, (label, _) in PRESETS.items()],
        "custom_from": request.GET.get("from", "")[:10] if error else period.first_day.isoformat(),
        "custom_to": request.GET.get("to", "")[:10] if error else period.last_day.isoformat(),
        "attention": ATTENTION,
        "operations_url": _operations_url(),
        "sections": dashboard_sections(user=request.user, period=period),
    }


def _operations_url() -> str:
    """The admin's operations page (where each item needing a human is resolved), once a branch provides it."""
    try:
        return reverse("admin:operations")
    except NoReverseMatch:
        return ""
