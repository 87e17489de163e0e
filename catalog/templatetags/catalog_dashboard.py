"""What the catalogue shows on pages owned by other apps: the shop dashboard's product counts.

    {% load catalog_dashboard %}
    {% product_counts_by_status vendor as counts %}
    {{ counts.active }} active · {{ counts.draft }} draft

A tag, so the vendors app's views need not read the catalogue (the app graph runs catalog -> vendors).
"""

from django import template

from catalog import selectors

register = template.Library()


@register.simple_tag
def product_counts_by_status(vendor) -> dict[str, int]:
    return selectors.product_counts_by_status(vendor=vendor)
