from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied, e.g. ``?{% query_with page=2 %}``."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "JPY": "¥"}


@register.filter
def money(amount, currency: str = "") -> str:
    """``Decimal('1234.5')|money:'USD'`` -> ``$1,234.50``. Display only: never used for arithmetic."""
    from django.conf import settings

    from marketplace.money import round_money

    if amount is None or amount == "":
        return ""
    currency = (currency or settings.MARKETPLACE_CURRENCY).upper()
    value = round_money(amount)
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


@register.filter
def json_ld(data) -> str:
    """A ``<script type="application/ld+json">`` block; <, > and & are escaped so text can't end the script."""
    import json

    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 -- escaped above


@register.filter
def make_list_of_ints(value: str) -> list[int]:
    """``"10 25 50"|make_list_of_ints`` -> ``[10, 25, 50]`` (option lists in templates)."""
    return [int(part) for part in value.split()]


@register.filter
def attr_of(obj, name: str):
    """``vendor|attr_of:"logo"``: a field chosen by name in a template loop."""
    return getattr(obj, name, None)
