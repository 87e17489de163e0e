"""The benchmark catalogue (bench_search, loadtest) leaves the planner statistics a live database would have."""

import pytest
from django.db import connection

from marketplace import demo_data

# Every table the seeding fills and a catalogue page reads. Without statistics PostgreSQL
# guesses, and a guess of thousands of photos for 24 products chose a sequential scan of
# all 100K (50 ms a storefront) where the index answers in well under a millisecond.
SEEDED_TABLES = ["catalog_product", "catalog_productimage", "vendors_vendor", "catalog_category"]


@pytest.mark.django_db
def test_seeding_analyzes_every_table_it_fills():
    demo_data.ensure_benchmark_catalogue(products=30, shops=2)

    with connection.cursor() as cursor:
        # reltuples is -1 until a table is first analyzed (or vacuumed).
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [SEEDED_TABLES])
        never_analyzed = sorted(name for name, tuples in cursor.fetchall() if tuples < 0)
    assert never_analyzed == []
