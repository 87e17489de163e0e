"""The health probe's database check must leave nothing behind on the pooled connection it borrowed."""

import pytest
from django.db import connection


@pytest.mark.django_db(transaction=True)
def test_the_database_probe_leaves_no_statement_timeout_on_pooled_connections():
    from marketplace.health import probe_database

    probe_database()  # returns its connection to the pool
    seen = []
    for _ in range(3):  # whichever pooled connection comes next, as the next request would get it
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        connection.close()
    assert seen == ["0", "0", "0"]
