"""Shared fixtures: named actors, and the real services the suite runs against.

Services are real processes, never mocks: localstripe (fake Stripe API),
Azurite (Azure Blob emulator), Redis, Chromium. With ``REQUIRE_SERVICES=1``
(set by ``.ci/run``) a missing service fails its tests; on a developer's
machine it skips them with a message saying what to install.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from marketplace.local_services import Azurite, LocalStripe, ServiceError

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def service_missing(message: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {message}", pytrace=False)
    pytest.skip(f"service missing (REQUIRE_SERVICES=1 makes this a failure): {message}")


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("services")


# --- Services -----------------------------------------------------------------


@pytest.fixture(scope="session")
def localstripe_server(var_dir):
    server = LocalStripe(var_dir)
    try:
        server.start()
    except ServiceError as exc:
        service_missing(f"localstripe: {exc}")
    yield server
    server.stop()


@pytest.fixture
def localstripe(localstripe_server, settings):
    """Point the Stripe client at the session's localstripe for this test."""
    settings.STRIPE_API_BASE = localstripe_server.url
    settings.STRIPE_JS_URL = f"{localstripe_server.url}/js.stripe.com/v3/"
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    return localstripe_server


@pytest.fixture(scope="session")
def azurite_server(var_dir):
    server = Azurite(var_dir / "azurite")
    try:
        server.start()
    except ServiceError as exc:
        service_missing(f"Azurite: {exc}")
    yield server
    server.stop()


@pytest.fixture
def azure_storage(azurite_server, settings):
    """Django's default storage on Azure Blob (Azurite), in a fresh container, configured as in production."""
    import uuid

    from azure.storage.blob import BlobServiceClient
    from django.core.files.storage import default_storage

    container = f"media-{uuid.uuid4().hex[:8]}"
    BlobServiceClient.from_connection_string(azurite_server.connection_string).create_container(
        container, public_access="blob"
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.azure_storage.AzureStorage",
            "OPTIONS": {
                "connection_string": azurite_server.connection_string,
                "azure_container": container,
                "expiration_secs": None,
                "overwrite_files": False,
                "cache_control": "public, max-age=31536000, immutable",
            },
        },
    }
    return default_storage


@pytest.fixture(scope="session")
def redis_url():
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {TEST_REDIS_URL}: {exc}")
    return TEST_REDIS_URL


@pytest.fixture
def redis_cache(redis_url, settings):
    """The Django cache and sessions on a real Redis for this test (flushed before and after)."""
    import redis
    from django.core.cache import caches

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    caches._settings = None  # rebuild the cache handler from the new settings
    yield redis_url
    client.flushdb()
    caches._settings = None


# --- Browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium, never a downloaded browser."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        service_missing("Chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the test thread, and
    # Django then refuses ORM calls from that thread (fixtures, factories). The
    # loop is Playwright's, not ours, so the refusal is a false alarm; lift it
    # only when browser tests are part of the run.
    if any(item.get_closest_marker("browser") for item in items):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


# --- Actors -------------------------------------------------------------------

PASSWORD = "correct-horse-battery-staple"


def _user(email: str, *, name: str = "", is_staff: bool = False, verified: bool = True):
    from allauth.account.models import EmailAddress

    from marketplace.accounts.models import User

    user = User.objects.create_user(email=email, password=PASSWORD, name=name, is_staff=is_staff)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def shopper(db):
    return _user("shopper@example.com", name="Sasha Shopper")


@pytest.fixture
def other_shopper(db):
    return _user("other@example.com", name="Olli Other")


@pytest.fixture
def staff(db):
    return _user("staff@example.com", name="Sam Staff", is_staff=True)


def _staff_in_role(role: str, email: str, name: str):
    """A staff member whose only permissions are their role's (marketplace/staff_roles.py)."""
    from django.contrib.auth.models import Group

    from marketplace.staff_roles import staff_roles_sync

    if not Group.objects.filter(name=role).exists():  # a transactional test's flush dropped the groups
        staff_roles_sync()
    user = _user(email, name=name, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def support(db):
    return _staff_in_role("support", "support@example.com", "Sol Support")


@pytest.fixture
def finance(db):
    return _staff_in_role("finance", "finance@example.com", "Fin Finance")


@pytest.fixture
def admin_staff(db):
    return _staff_in_role("admin", "admin@example.com", "Ada Admin")


@pytest.fixture
def no_page_cache(settings):
    """The layers under the whole-page cache for guests (marketplace/page_cache.py): what a signed-in
    visitor meets, and what a guest meets when their page isn't cached yet."""
    settings.GUEST_PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached pages of one test never leak into the next (Redis persists across tests),
    nor what the search planner read from one test's table statistics."""
    from django.core.cache import cache

    from catalog.search.planner import statistics_forget

    cache.clear()
    statistics_forget()
    yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test land in its own folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
        },
    }


@pytest.fixture
def vendor_a(db):
    from vendors.tests.factories import VendorFactory

    return VendorFactory(name="Kiln & Co", slug="kiln-co", owner=_user("ana@example.com", name="Ana Potter"))


@pytest.fixture
def vendor_b(db):
    from vendors.tests.factories import VendorFactory

    return VendorFactory(name="Loom Works", slug="loom-works", owner=_user("ben@example.com", name="Ben Weaver"))
