"""Settings parsing: a bad value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace.env import env_bool, env_choice, env_decimal, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]


def test_bool_accepts_the_usual_spellings():
    assert env_bool("X", environ={"X": "yes"}) is True
    assert env_bool("X", environ={"X": "Off"}) is False
    assert env_bool("X", True, environ={}) is True
    assert env_bool("X", True, environ={"X": "  "}) is True  # blank counts as unset


def test_bool_refuses_anything_else_and_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        env_bool("DEBUG", environ={"DEBUG": "maybe"})


def test_int_refuses_words_and_out_of_range_values():
    assert env_int("N", 3, environ={"N": "7"}) == 7
    with pytest.raises(ImproperlyConfigured, match="N='seven' is not a whole number"):
        env_int("N", 3, environ={"N": "seven"})
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("N", 3, minimum=1, environ={"N": "0"})
    with pytest.raises(ImproperlyConfigured, match="above the maximum"):
        env_int("N", 3, maximum=5, environ={"N": "6"})


def test_decimal_is_exact_and_bounded():
    assert env_decimal("R", "0.025", environ={}) == Decimal("0.025")
    with pytest.raises(ImproperlyConfigured, match="not a decimal"):
        env_decimal("R", "0.025", environ={"R": "2,5%"})
    with pytest.raises(ImproperlyConfigured, match="not a finite"):
        env_decimal("R", "0.025", environ={"R": "NaN"})
    with pytest.raises(ImproperlyConfigured, match="above the maximum"):
        env_decimal("R", "0.025", maximum=Decimal("0.5"), environ={"R": "0.9"})


def test_list_and_choice():
    assert env_list("H", environ={"H": "a.com, b.com,,"}) == ["a.com", "b.com"]
    assert env_choice("E", ("a", "b"), "a", environ={}) == "a"
    with pytest.raises(ImproperlyConfigured, match="must be one of: a, b"):
        env_choice("E", ("a", "b"), "a", environ={"E": "c"})


def test_secrets_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert env_str("KEY", environ={"KEY_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("KEY", environ={"KEY_FILE": str(tmp_path / "missing")})
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("KEY", environ={"KEY": "a", "KEY_FILE": str(secret)})


def _django_start(extra_env: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STRIPE_", "AZURE_", "SENDGRID", "DJANGO_", "DATABASE_", "REDIS_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    env.update(extra_env)
    command = args or ("-c", "import django; django.setup()")
    return subprocess.run(
        [sys.executable, *command], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )


def production_env(db_url: str) -> dict:
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k3Jx9-Qm2vR8_tLw4ZpYc7NbHs6GdFe1UoAiX5rWq0EyTnMj-8hVbLs2",
        "DATABASE_URL": db_url,
        "DATABASE_SSL": "0",
        "ALLOWED_HOSTS": "shop.example.com",
        "SITE_URL": "https://shop.example.com",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_example",
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_example_connect",
        "AZURE_ACCOUNT_NAME": "examplemedia",
        "AZURE_ACCOUNT_KEY": "ZXhhbXBsZQ==",
        "AZURE_CUSTOM_DOMAIN": "cdn.example.com",
        "SENDGRID_API_KEY": "SG.example",
        "DEFAULT_FROM_EMAIL": "shop@example.com",
    }


def test_a_bad_value_stops_start_up_naming_the_variable():
    result = _django_start({"DEBUG": "perhaps", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_production_refuses_to_start_without_its_settings():
    result = _django_start({"DJANGO_ENV": "production"})
    assert result.returncode != 0
    for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "STRIPE_SECRET_KEY", "SENDGRID_API_KEY"):
        assert name in result.stderr


def test_production_refuses_a_weak_secret_key():
    env = production_env("postgresql://nobody@127.0.0.1:1/none") | {"SECRET_KEY": "short"}
    result = _django_start(env)
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


@pytest.mark.django_db
def test_production_settings_pass_check_deploy():
    from django.db import connection

    params = connection.settings_dict
    host = params["HOST"]
    host_part = host.replace("/", "%2F") if host.startswith("/") else f"{host}:{params['PORT'] or 5432}"
    db_url = f"postgresql://{params['USER']}@{host_part}/{params['NAME']}"
    result = _django_start(production_env(db_url), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
