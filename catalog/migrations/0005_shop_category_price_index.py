# Built concurrently: on a live catalogue a plain CREATE INDEX would block writes while it runs.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0004_sort_indexes"),
        ("vendors", "0002_payouts_requirements"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(
                condition=models.Q(("status", "active")),
                fields=["vendor", "category", "price"],
                name="product_active_shop_cat_price",
            ),
        ),
    ]
