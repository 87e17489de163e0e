"""Money: ``Decimal`` amounts in the marketplace currency, integer minor units at Stripe.

Every rounding in the codebase goes through ``round_money`` (half-up to the
cent), so two code paths can never disagree about a cent.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Currencies without minor units at Stripe (its "zero-decimal" list, abridged to
# those a marketplace may plausibly use).
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"})


class MoneyError(ValueError):
    pass


def _as_decimal(amount) -> Decimal:
    if isinstance(amount, float):
        raise MoneyError("Money is never a float; pass a Decimal or a string.")
    value = amount if isinstance(amount, Decimal) else Decimal(amount)
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite amount.")
    return value


def round_money(amount) -> Decimal:
    return _as_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount, currency: str) -> int:
    """Decimal amount -> integer for Stripe (cents, or whole units for zero-decimal currencies)."""
    value = round_money(amount)
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        if value != value.to_integral_value():
            raise MoneyError(f"{currency} has no minor units; {value} cannot be charged.")
        return int(value)
    return int(value * 100)


def from_minor_units(units: int, currency: str) -> Decimal:
    if isinstance(units, bool) or not isinstance(units, int):
        raise MoneyError("Minor units are an integer.")
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(units).quantize(CENT)
    return (Decimal(units) / 100).quantize(CENT)


def fee(amount, rate) -> Decimal:
    """``rate`` of ``amount``, rounded half-up to the cent (the platform fee)."""
    return round_money(_as_decimal(amount) * _as_decimal(rate))


def allocate(total, weights: list) -> list[Decimal]:
    """Split ``total`` into parts proportional to ``weights`` that add up to it exactly.

    Largest-remainder method on cents: every part is floored, then the cents
    left over go to the parts with the largest remainders (ties to the earlier
    part, so the result is deterministic).
    """
    total_cents = int(round_money(total) * 100)
    weights = [_as_decimal(w) for w in weights]
    if not weights:
        raise MoneyError("Nothing to allocate to.")
    if any(w < 0 for w in weights):
        raise MoneyError("Weights must not be negative.")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise MoneyError("Weights must not all be zero.")
    exact = [Decimal(total_cents) * w / weight_sum for w in weights]
    floors = [int(x.to_integral_value(rounding="ROUND_FLOOR")) for x in exact]
    leftover = total_cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [(Decimal(c) / 100).quantize(CENT) for c in floors]
