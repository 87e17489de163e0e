"""An App Service Key Vault reference that did not resolve reaches the app as its own text.

App Service passes ``@Microsoft.KeyVault(...)`` through unchanged when the identity can't read
the secret or the secret is missing. That text is long enough to pass SECRET_KEY's length check
and looks like a value everywhere else, so it must stop start-up, naming the setting."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace.env import env_list, env_str

REFERENCE = "@Microsoft.KeyVault(SecretUri=https://artisan-prod-kv.vault.azure.net/secrets/secret-key/)"
BASE_DIR = Path(__file__).resolve().parents[2]


def test_an_unresolved_reference_is_refused_naming_the_setting():
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY is an unresolved Key Vault reference"):
        env_str("SECRET_KEY", environ={"SECRET_KEY": REFERENCE})
    with pytest.raises(ImproperlyConfigured, match=r"REDIS_URL is an unresolved Key Vault reference"):
        env_list("REDIS_URL", [], environ={"REDIS_URL": "  @microsoft.keyvault(VaultName=v;SecretName=s)"})


def test_a_resolved_value_passes():
    assert env_str("SECRET_KEY", environ={"SECRET_KEY": "x" * 60}) == "x" * 60


def test_production_refuses_to_start_with_an_unresolved_secret_key():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_ENV": "production",
        "SECRET_KEY": REFERENCE,
        "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/none",
        "ALLOWED_HOSTS": "shop.example.com",
        "SITE_URL": "https://shop.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "marketplace.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is an unresolved Key Vault reference" in result.stderr
