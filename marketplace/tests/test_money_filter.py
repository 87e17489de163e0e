from decimal import Decimal

from marketplace.templatetags.site_tags import money


def test_money_filter_formats_with_symbol_and_grouping():
    assert money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert money(Decimal("-3"), "gbp") == "-£3.00"
    assert money(Decimal("10"), "CHF") == "10.00 CHF"
    assert money(None) == ""
