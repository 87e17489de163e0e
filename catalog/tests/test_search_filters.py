"""The search filters' category menu (catalog/templatetags/search_filters.py)."""

import re

import pytest

from catalog.tests.factories import CategoryFactory
from marketplace.cache_versions import catalogue_changed

pytestmark = pytest.mark.django_db


def _menu(client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'<select id="f-category" name="category"[^>]*>(.*?)</select>', html, re.S).group(1)


def test_every_category_is_offered_children_under_their_parent_and_the_chosen_one_selected(client):
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics")
    CategoryFactory(name="Mugs & cups", slug="mugs", parent=ceramics)
    CategoryFactory(name="Textiles", slug="textiles")
    catalogue_changed()
    menu = _menu(client, "/search?q=x")
    assert '<option value="ceramics">Ceramics</option>' in menu
    assert '<option value="mugs">&nbsp;&nbsp;Mugs &amp; cups</option>' in menu  # escaped
    assert menu.index("Ceramics") < menu.index("Mugs") and " selected" not in menu
    chosen = _menu(client, "/search?q=x&category=mugs")
    assert '<option value="mugs" selected>' in chosen and chosen.count(" selected") == 1


def test_a_new_category_shows_once_the_catalogue_changes(client):
    CategoryFactory(name="Ceramics", slug="ceramics")
    catalogue_changed()
    assert "Glass" not in _menu(client, "/search?q=x")
    CategoryFactory(name="Glass", slug="glass")
    catalogue_changed()  # what the category admin's save does
    assert '<option value="glass">Glass</option>' in _menu(client, "/search?q=x&page=1")
