"""Orders fixtures: checkout's paid-on-localstripe fixtures, shared (tests may cross apps)."""

from checkout.tests.conftest import placed_checkout, webhook_secret  # noqa: F401 (fixtures used by name)
