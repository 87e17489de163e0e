"""The health probe's database check must not change the pooled connection it borrows.

App Service calls /api/health every minute on every instance. The probe used to run
``SET statement_timeout = 1000`` on a connection from Django's pool, which has no reset hook:
the connection went back to the pool with a one-second limit and the next request to draw it
had its queries cancelled after one second."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from marketplace.health import probe_database

pytestmark = pytest.mark.django_db(transaction=True)


def _idle_connections_timeouts() -> list[str]:
    """statement_timeout of every connection idle in the pool."""
    pool = connection.pool
    assert pool is not None, "the settings use Django's connection pool"
    borrowed = []
    try:
        while pool.get_stats().get("pool_available", 0) > 0:
            borrowed.append(pool.getconn(timeout=5))
        return [c.execute("SHOW statement_timeout").fetchone()[0] for c in borrowed]
    finally:
        for c in borrowed:
            pool.putconn(c)


def test_probe_leaves_no_statement_timeout_on_the_pooled_connection():
    with ThreadPoolExecutor(max_workers=1) as executor:  # a thread, as /api/health runs it
        assert executor.submit(probe_database).result(timeout=10) == {"status": "up"}
    timeouts = _idle_connections_timeouts()
    assert timeouts, "the probe's connection went back to the pool"
    assert "1s" not in timeouts, timeouts
