"""The staff dashboard's URL path is a setting (``STAFF_URL_PATH``), read strictly; nothing else spells it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace.env import env_url_path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_path_is_normalised_to_segments_with_a_trailing_slash():
    assert env_url_path("P", "staff/", environ={}) == "staff/"
    assert env_url_path("P", "staff/", environ={"P": "ops"}) == "ops/"
    assert env_url_path("P", "staff/", environ={"P": "/ops/control-room/"}) == "ops/control-room/"
    assert env_url_path("P", "staff/", environ={"P": "   "}) == "staff/"  # blank counts as unset


@pytest.mark.parametrize("value", ["/", "ops//x", "Staff", "ops control", "ops/../x", "ops?x=1", "x" * 41, "-ops"])
def test_anything_but_plain_segments_stops_start_up_naming_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match=r"STAFF_URL_PATH=.* is not a URL path"):
        env_url_path("STAFF_URL_PATH", "staff/", environ={"STAFF_URL_PATH": value})


def test_a_path_the_site_already_serves_is_refused():
    with pytest.raises(ImproperlyConfigured, match="would hide the site's own /api/ pages"):
        env_url_path("STAFF_URL_PATH", "staff/", reserved=("api",), environ={"STAFF_URL_PATH": "api/staff"})


def _django(extra_env: dict, code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STAFF_URL_PATH"))}
    env.update({"DJANGO_SETTINGS_MODULE": "marketplace.settings", **extra_env})
    script = f"import django; django.setup()\n{code}"
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )


def test_the_dashboard_moves_with_the_setting_and_links_follow_it():
    code = """
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from vendors.models import Vendor
print(reverse("admin:index"))
print(render_to_string("vendors/email/new_shop.txt", {"vendor": Vendor(pk=7), "site_url": "https://x.test"}))
try:
    resolve("/staff/")
    print("old path still served")
except Resolver404:
    print("old path gone")
"""
    result = _django({"STAFF_URL_PATH": "ops/control"}, code)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "/ops/control/"
    assert "https://x.test/ops/control/vendors/vendor/7/change/" in result.stdout
    assert lines[-1] == "old path gone"


def test_a_bad_setting_stops_start_up():
    result = _django({"STAFF_URL_PATH": "api"}, "")
    assert result.returncode != 0
    assert "STAFF_URL_PATH='api' would hide the site's own /api/ pages" in result.stderr


def test_no_code_or_template_spells_the_default_path():
    """Links reach the dashboard by URL name; only settings.py names ``staff/`` (as the default)."""
    spelled = []
    for folder in ("marketplace", "vendors", "catalog", "checkout", "orders", "reviews", "templates"):
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix not in (".py", ".html", ".txt") or "tests" in path.parts or path.name == "settings.py":
                continue
            if "/staff/" in path.read_text():
                spelled.append(str(path.relative_to(BASE_DIR)))
    assert not spelled
