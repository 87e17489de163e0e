"""The dashboard's period: presets are whole local days ending today; custom dates are checked, with a message."""

from datetime import date, timedelta

import pytest

from marketplace.dashboard.periods import PeriodError, period_parse

TODAY = date(2026, 3, 15)


@pytest.mark.parametrize(
    ("params", "first", "last"),
    [
        ({}, date(2026, 2, 14), TODAY),  # 30 days by default
        ({"period": "today"}, TODAY, TODAY),
        ({"period": "7d"}, date(2026, 3, 9), TODAY),
        ({"period": "30d"}, date(2026, 2, 14), TODAY),
        ({"period": "90d"}, date(2025, 12, 16), TODAY),
        ({"period": "custom", "from": "2026-01-01", "to": "2026-01-31"}, date(2026, 1, 1), date(2026, 1, 31)),
        ({"period": "custom", "from": " 2026-03-15 ", "to": "2026-03-15"}, TODAY, TODAY),
    ],
)
def test_a_period_is_whole_days_ending_on_its_last(params, first, last):
    period = period_parse(params, today=TODAY)

    assert (period.first_day, period.last_day) == (first, last)
    assert len(period.days) == (last - first).days + 1
    assert period.end - period.start == timedelta(days=len(period.days))
    assert period.start.hour == 0 and period.start.tzinfo is not None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "week"}, "Choose today, 7, 30 or 90 days"),
        ({"period": "custom"}, "Give both a from and a to date"),
        ({"period": "custom", "from": "2026-01-01"}, "Give both a from and a to date"),
        ({"period": "custom", "from": "yesterday", "to": "2026-01-31"}, "The from date “yesterday” is not a date"),
        ({"period": "custom", "from": "2026-01-01", "to": "2026-02-30"}, "The to date “2026-02-30” is not a date"),
        ({"period": "custom", "from": "2026-02-01", "to": "2026-01-31"}, "The from date is after the to date"),
        ({"period": "custom", "from": "2026-03-01", "to": "2026-03-16"}, "The period can't end after today"),
        ({"period": "custom", "from": "2025-03-14", "to": "2026-03-15"}, "A custom period is at most 366 days"),
    ],
)
def test_a_period_that_cant_be_shown_says_why(params, message):
    with pytest.raises(PeriodError, match=message):
        period_parse(params, today=TODAY)


def test_a_custom_period_of_a_year_and_a_day_is_allowed():
    period = period_parse({"period": "custom", "from": "2025-03-15", "to": "2026-03-15"}, today=TODAY)

    assert len(period.days) == 366


def test_the_changelist_filters_carry_the_periods_bounds_with_their_offset():
    period = period_parse({"period": "today"}, today=TODAY)

    assert period.between("paid_at") == {
        "paid_at__gte": "2026-03-15T00:00:00+00:00",
        "paid_at__lt": "2026-03-16T00:00:00+00:00",
    }
