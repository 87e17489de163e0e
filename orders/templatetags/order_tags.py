"""The shop dashboard's orders panel, rendered by the orders app so the vendors app needn't import it."""

from django import template

from orders.ledger import shop_balance
from orders.selectors import shop_new_order_count, shop_sales

register = template.Library()


@register.inclusion_tag("orders/_shop_sales.html", takes_context=True)
def shop_sales_panel(context, vendor):
    return {
        "vendor": vendor,
        "sales": shop_sales(vendor=vendor),
        "new_count": shop_new_order_count(vendor=vendor),
        "CURRENCY": context.get("CURRENCY"),
        "PLATFORM_FEE_PERCENT": context.get("PLATFORM_FEE_PERCENT"),
    }


@register.simple_tag
def shop_balance_of(vendor):
    """The shop's ledger balance (for the dashboard's payouts panel)."""
    return shop_balance(vendor=vendor)
