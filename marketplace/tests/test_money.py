from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.money import MoneyError, allocate, fee, from_minor_units, round_money, to_minor_units


def test_rounding_is_half_up_to_the_cent():
    assert round_money("2.345") == Decimal("2.35")
    assert round_money("2.344") == Decimal("2.34")
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        round_money(0.1)


def test_platform_fee_is_two_and_a_half_percent_rounded_half_up():
    assert fee(Decimal("100.00"), Decimal("0.025")) == Decimal("2.50")
    assert fee(Decimal("10.10"), Decimal("0.025")) == Decimal("0.25")  # 0.2525
    assert fee(Decimal("10.30"), Decimal("0.025")) == Decimal("0.26")  # 0.2575


def test_minor_units_round_trip_and_zero_decimal_currencies():
    assert to_minor_units(Decimal("12.34"), "usd") == 1234
    assert from_minor_units(1234, "USD") == Decimal("12.34")
    assert to_minor_units(Decimal("500"), "JPY") == 500
    with pytest.raises(MoneyError):
        to_minor_units(Decimal("500.50"), "JPY")
    with pytest.raises(MoneyError):
        from_minor_units(12.5, "USD")


def test_allocate_by_largest_remainder():
    # 1.00 over three equal shares: 0.34 + 0.33 + 0.33, the extra cent to the first.
    assert allocate(Decimal("1.00"), [1, 1, 1]) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    assert allocate(Decimal("0.59"), [Decimal("60.00"), Decimal("40.00")]) == [Decimal("0.35"), Decimal("0.24")]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_allocate_refuses_impossible_weights(weights):
    with pytest.raises(MoneyError):
        allocate(Decimal("1.00"), weights)


@given(
    total=st.decimals(min_value=0, max_value=100000, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=20).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocation_always_adds_up_to_the_cent(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == round_money(total)
    assert all(p >= 0 for p in parts)
    # No part is more than a cent away from its exact share.
    exact = [total * w / sum(weights) for w in weights]
    assert all(abs(p - e) < Decimal("0.01") for p, e in zip(parts, exact, strict=True))
