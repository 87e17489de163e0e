"""``manage.py release``: migrations under one database-wide lock, so containers starting together
in the staging slot don't race each other's migrations."""

import threading
import time
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from marketplace.management.commands.release import RELEASE_LOCK_KEY


def _other_session():
    """A connection of its own, like a second container's, to the test database."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def _lock_is_free() -> bool:
    with _other_session() as other:
        free = other.execute("SELECT pg_try_advisory_lock(%s)", [RELEASE_LOCK_KEY]).fetchone()[0]
        if free:
            other.execute("SELECT pg_advisory_unlock(%s)", [RELEASE_LOCK_KEY])
        return free


@pytest.mark.django_db(transaction=True)
def test_release_migrates_and_lets_the_lock_go():
    out = StringIO()
    call_command("release", stdout=out)
    assert "No migrations to apply" in out.getvalue()
    assert "Release: migrations applied." in out.getvalue()
    assert _lock_is_free()


@pytest.mark.django_db(transaction=True)
def test_release_waits_for_another_release_then_runs():
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [RELEASE_LOCK_KEY])
        finished = threading.Event()
        errors = []

        def release():
            try:
                call_command("release", stdout=StringIO(), lock_timeout=30)
            except Exception as exc:  # asserted below
                errors.append(exc)
            finally:
                connection.close()
                finished.set()

        thread = threading.Thread(target=release)
        thread.start()
        time.sleep(1.5)
        assert not finished.is_set(), "release ran while another container held the lock"
        other.execute("SELECT pg_advisory_unlock(%s)", [RELEASE_LOCK_KEY])
        assert finished.wait(20)
        thread.join()
    assert errors == []
    assert _lock_is_free()


@pytest.mark.django_db(transaction=True)
def test_release_gives_up_when_the_lock_never_comes():
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [RELEASE_LOCK_KEY])
        with pytest.raises(CommandError, match="held the migration lock"):
            call_command("release", stdout=StringIO(), lock_timeout=1)
    assert _lock_is_free()
