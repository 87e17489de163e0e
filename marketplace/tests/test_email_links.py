"""Links in emails come from one setting, SITE_URL, which ``make run`` derives from where it serves."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail

from marketplace import devstack
from marketplace.emails import absolute_url

SERVED = "http://127.0.0.1:8101"


def test_make_run_sets_site_url_to_the_host_and_port_it_serves():
    env = devstack.server_env({"PATH": os.environ["PATH"]}, host="127.0.0.1", port=8101)
    assert env["SITE_URL"] == SERVED
    # A child started with that environment (runserver, the Celery worker) reads it as its setting.
    child = {**env, "DJANGO_SETTINGS_MODULE": "marketplace.settings", "DJANGO_ENV": "development"}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)",
        ],
        env=child,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == SERVED


def test_a_site_url_given_to_make_run_wins():
    env = devstack.server_env({"SITE_URL": "https://shop.example.com"}, host="192.0.2.7", port=8101)
    assert env["SITE_URL"] == "https://shop.example.com"
    assert devstack.server_env({}, host="::1", port=8102)["SITE_URL"] == "http://[::1]:8102"


def test_absolute_url_puts_any_path_or_url_on_site_url(settings):
    settings.SITE_URL = SERVED
    assert absolute_url("/shops/dashboard/") == f"{SERVED}/shops/dashboard/"
    assert absolute_url("http://testserver:8000/a/b?c=1#d") == f"{SERVED}/a/b?c=1#d"


def _links(message) -> set[str]:
    bodies = [message.body, *(body for body, _mime in message.alternatives)]
    return {link for body in bodies for link in re.findall(r"https?://[^\s\"'<>]+", body)}


@pytest.mark.django_db
def test_every_email_links_to_site_url_whatever_host_the_request_used(
    settings, client, shopper, staff, django_capture_on_commit_callbacks
):
    from vendors.models import Vendor
    from vendors.services.shops import vendor_register, vendor_status_change

    settings.SITE_URL = SERVED
    with django_capture_on_commit_callbacks(execute=True):
        vendor = vendor_register(owner=shopper, name="Saltmarsh Ceramics", town="Totnes", country="gb")
        vendor_status_change(vendor=vendor, to_status=Vendor.Status.APPROVED, reason="Lovely work", by=staff)
        # allauth's emails too, though a request (on another host name) caused them.
        client.post("/accounts/password/reset/", {"email": shopper.email}, HTTP_HOST="localhost")
    new_shop, approved, reset = mail.outbox
    assert f"{SERVED}/staff/vendors/vendor/{vendor.pk}/change/" in _links(new_shop)
    assert f"{SERVED}/shops/dashboard/" in _links(approved)
    assert any(link.startswith(f"{SERVED}/accounts/password/reset/key/") for link in _links(reset))
    for message in mail.outbox:
        assert _links(message) and all(link.startswith(SERVED) for link in _links(message)), message.subject
