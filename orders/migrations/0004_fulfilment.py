import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import orders.models


def number_existing_orders(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    taken = set()
    for order in Order.objects.filter(number__isnull=True).only("pk"):
        number = orders.models.order_number_new()
        while number in taken or Order.objects.filter(number=number).exists():
            number = orders.models.order_number_new()
        taken.add(number)
        Order.objects.filter(pk=order.pk).update(number=number)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_one_open_checkout_late_payments"),
        ("vendors", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name="order", name="number", field=models.CharField(max_length=12, null=True)),
        migrations.RunPython(number_existing_orders, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.CharField(default=orders.models.order_number_new, editable=False, max_length=12, unique=True),
        ),
        migrations.AddField(model_name="order", name="carrier", field=models.CharField(blank=True, max_length=60)),
        migrations.AddField(
            model_name="order", name="tracking_number", field=models.CharField(blank=True, max_length=100)
        ),
        migrations.AddField(model_name="order", name="shipped_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="order", name="delivered_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="order", name="cancelled_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending_payment", "Pending payment"),
                    ("paid", "Paid"),
                    ("processing", "Processing"),
                    ("shipped", "Shipped"),
                    ("delivered", "Delivered"),
                    ("cancelled", "Cancelled"),
                    ("expired", "Expired"),
                    ("refunded", "Refunded"),
                    ("partially_refunded", "Partially refunded"),
                ],
                db_index=True,
                default="pending_payment",
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["vendor", "status", "-created_at"], name="order_shop_inbox"),
        ),
        migrations.CreateModel(
            name="OrderStatusChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "from_status",
                    models.CharField(
                        choices=[
                            ("pending_payment", "Pending payment"),
                            ("paid", "Paid"),
                            ("processing", "Processing"),
                            ("shipped", "Shipped"),
                            ("delivered", "Delivered"),
                            ("cancelled", "Cancelled"),
                            ("expired", "Expired"),
                            ("refunded", "Refunded"),
                            ("partially_refunded", "Partially refunded"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("pending_payment", "Pending payment"),
                            ("paid", "Paid"),
                            ("processing", "Processing"),
                            ("shipped", "Shipped"),
                            ("delivered", "Delivered"),
                            ("cancelled", "Cancelled"),
                            ("expired", "Expired"),
                            ("refunded", "Refunded"),
                            ("partially_refunded", "Partially refunded"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="status_changes", to="orders.order"
                    ),
                ),
            ],
            options={"ordering": ["created_at", "id"]},
        ),
    ]
