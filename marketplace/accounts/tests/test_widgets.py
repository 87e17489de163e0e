"""The country menu writes its ~250 options in Python, with exactly the HTML Django's own Select writes."""

import pytest
from django import forms

from marketplace.accounts.forms import AddressForm
from marketplace.accounts.widgets import PlainSelect

CHOICES = [("", "Choose a country"), ("GB", "United Kingdom"), ("FR", "France"), ("X&", 'Odd <"name">')]
GROUPED = [("", "None"), ("Europe", [("FR", "France"), ("DE", "Germany")]), ("US", "United States")]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, "FR", {"id": "id_country", "required": True, "autocomplete": "country"}),
        (CHOICES, None, {"id": "id_country", "aria-invalid": "true", "disabled": False}),
        (CHOICES, "X&", {}),
        (GROUPED, "DE", {"id": "id_region"}),
        ([*CHOICES, ("FR", "France again"), (None, "Nothing")], "FR", {}),  # a menu selects the first match only
        ([(1, "One"), (2, "Two")], 2, {"id": "id_n"}),
    ],
)
def test_plain_select_writes_what_djangos_select_writes(choices, value, attrs):
    django_select = forms.Select(choices=choices, attrs={"class": "menu"})
    plain = PlainSelect(choices=choices, attrs={"class": "menu"})
    assert plain.render("country", value, attrs=dict(attrs)) == django_select.render(
        "country", value, attrs=dict(attrs)
    )


def test_the_address_forms_country_menu_is_the_plain_one():
    form = AddressForm(initial={"country": "GB"})
    assert isinstance(form.fields["country"].widget, PlainSelect)
    html = str(form["country"])
    assert '<option value="GB" selected>' in html
    assert 'autocomplete="country"' in html


def test_a_kept_menu_still_marks_each_renders_own_choice():
    """The options are kept by choices and choice (the checkout draws the same menu on every visit)."""
    plain = PlainSelect(choices=CHOICES)
    first, second, again = (plain.render("country", value) for value in ("FR", "GB", "FR"))
    assert '<option value="FR" selected>' in first and '<option value="GB">' in first
    assert '<option value="GB" selected>' in second and '<option value="FR">' in second
    assert again == first
