"""The period a staff dashboard shows: today, the last 7 / 30 / 90 days, or chosen dates.

A period is whole local days, ``start`` inclusive and ``end`` exclusive (midnight after the last day), so
"7 days" is today and the six days before it, and a row written at midnight belongs to exactly one day.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

PRESETS = {"today": ("Today", 1), "7d": ("7 days", 7), "30d": ("30 days", 30), "90d": ("90 days", 90)}
DEFAULT = "30d"
CUSTOM = "custom"
# A year and a day: enough for a year-on-year look, small enough that a per-day chart stays readable.
MAX_CUSTOM_DAYS = 366


class PeriodError(ValueError):
    """A period the person asked for that can't be shown; the message says why, for the page."""


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _midnight(self.last_day + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]

    @property
    def label(self) -> str:
        if self.key in PRESETS:
            return PRESETS[self.key][0]
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"

    def between(self, field: str) -> dict:
        """Changelist (or queryset) lookups for ``field`` within the period, as the admin URL carries them."""
        return {f"{field}__gte": self.start.isoformat(), f"{field}__lt": self.end.isoformat()}


def period_preset(key: str, *, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(key=key, first_day=today - timedelta(days=PRESETS[key][1] - 1), last_day=today)


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"The {name} date “{value[:20]}” is not a date; use YYYY-MM-DD.") from None


def period_parse(params, *, today: date | None = None) -> Period:
    """The period named by request parameters ``period`` (a preset or ``custom``), ``from`` and ``to``.

    No ``period`` is the default (30 days). Raises ``PeriodError`` with a message for the person.
    """
    today = today or timezone.localdate()
    key = (params.get("period") or DEFAULT).strip()
    if key in PRESETS:
        return period_preset(key, today=today)
    if key != CUSTOM:
        raise PeriodError(f"Choose today, 7, 30 or 90 days, or dates from and to (not “{key[:20]}”).")
    raw_from, raw_to = params.get("from", "").strip(), params.get("to", "").strip()
    if not raw_from or not raw_to:
        raise PeriodError("Give both a from and a to date for a custom period.")
    first, last = _date(raw_from, "from"), _date(raw_to, "to")
    if first > last:
        raise PeriodError("The from date is after the to date.")
    if last > today:
        raise PeriodError("The period can't end after today.")
    if (last - first).days + 1 > MAX_CUSTOM_DAYS:
        raise PeriodError(f"A custom period is at most {MAX_CUSTOM_DAYS} days.")
    return Period(key=CUSTOM, first_day=first, last_day=last)
