"""Form widgets written in Python where Django's templates cost too much.

Django renders every ``<option>`` of a ``Select`` through two included templates; the
country menu has ~250, which made the checkout's first page spend most of its ~20 ms
of CPU on that one field. ``PlainSelect`` writes the same HTML, byte for byte (a test
compares the two), escaping every value itself.
"""

from functools import lru_cache

from django import forms
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def _attrs_html(attrs: dict) -> SafeString:
    """As ``django/forms/widgets/attrs.html``: False leaves the attribute out, True writes its name alone."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value)),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        chosen = tuple(sorted(self.format_value(value)))
        try:
            options = _options_html(tuple(self.choices), chosen, self.allow_multiple_selected, get_language())
        except TypeError:  # a choice that can't be a key (a list of options in a list): draw it afresh
            options = _options_html.__wrapped__(self.choices, chosen, self.allow_multiple_selected, None)
        return format_html('<select name="{}"{}>{}\n</select>', name, _attrs_html(attrs), options)


# The same menu with the same choice drawn again (every checkout page's country menu): kept, by
# choices, choice and language (labels may be translated lazily). Bounded: menus are few.
@lru_cache(maxsize=256)
def _options_html(choices, chosen: tuple, multiple: bool, language) -> SafeString:
    chosen = set(chosen)
    selected_one = False
    parts = []
    for group_value, group_label in choices:
        group = group_label if isinstance(group_label, (list, tuple)) else None
        if group is not None:
            parts.append(format_html('\n  <optgroup label="{}">', group_value))
        for option_value, option_label in group if group is not None else [(group_value, group_label)]:
            text = "" if option_value is None else str(option_value)
            # As ChoiceWidget.optgroups: a single menu selects the first match only.
            selected = text in chosen and (multiple or not selected_one)
            selected_one = selected_one or selected
            # escape() on each value, not format_html per option: ~250 options.
            parts.append(f'\n  <option value="{escape(text)}"{" selected" if selected else ""}>'
                         f"{conditional_escape(option_label)}</option>\n")  # fmt: skip
        if group is not None:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 -- every value escaped above
