"""``{% category_options params.category %}``: the search filters' category menu, built once per catalogue version.

Through template tags, each of the ~40 options cost a loop step and a comparison (about a fifth of
a search page's own rendering); here the options are written once, held in the process under the
catalogue version, and the chosen one marked per page.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.selectors import category_tree
from marketplace.cache_versions import catalogue_cached

register = template.Library()


def _options() -> list[tuple[int, str, str]]:
    """(category id, the option's start, its end): the chosen one gets ``selected`` between them."""
    rows = []
    for top in category_tree():
        start = str(format_html('<option value="{}"', top.slug))
        rows.append((top.pk, start, str(format_html(">{}</option>", top.name))))
        for child in top.children.all():
            start = str(format_html('<option value="{}"', child.slug))
            rows.append((child.pk, start, str(format_html(">&nbsp;&nbsp;{}</option>", child.name))))
    return rows


@register.simple_tag
def category_options(selected) -> SafeString:
    chosen = getattr(selected, "pk", None)
    rows = catalogue_cached("search-category-options", _options)
    html = "".join(f"{start}{' selected' if pk == chosen else ''}{end}" for pk, start, end in rows)
    return mark_safe(html)  # noqa: S308 -- every value escaped by format_html above
