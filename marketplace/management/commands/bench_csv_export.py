"""Time and peak memory of the admin's CSV export over many rows, streamed, against building the file in memory.

    manage.py bench_csv_export [--rows 100000]

Writes the rows (payment audit rows of one checkout) inside a transaction that is rolled back at the end, so
the database is left as it was. The export goes through the real admin view (``PaymentRecordAdmin``'s
``csv_export_view``, as a superuser); its peak is what Python allocated (``tracemalloc``, in a second run) while the
response was consumed. The baseline reads the same rows into a list and writes the CSV into one string.
"""

import csv
import io
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

from django.contrib import admin
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from checkout.models import Checkout, PaymentRecord
from marketplace.accounts.models import User


def _measure(produce) -> tuple[int, float, float]:
    """Bytes produced, seconds (a run without tracing, which slows Python down), peak traced MiB (a second run)."""
    started = time.perf_counter()
    size = produce()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    produce()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, seconds, peak / 2**20


class Command(BaseCommand):
    help = "Time and peak memory of the streamed CSV export against building it in memory."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args, rows: int, **options):
        with transaction.atomic():
            self._run(rows)
            transaction.set_rollback(True)

    def _run(self, rows: int) -> None:
        now = timezone.now()
        address = {"shipping_name": "Bench", "shipping_line1": "1 Road", "shipping_city": "Bath",
                   "shipping_postcode": "BA1", "shipping_country": "GB"}  # fmt: skip
        checkout = Checkout.objects.create(
            email="bench@example.com", currency="USD", subtotal=Decimal("10.00"), shipping=Decimal("0.00"),
            total=Decimal("10.00"), platform_fee=Decimal("0.25"), expires_at=now + timedelta(hours=1), **address,
        )  # fmt: skip
        batch = [
            PaymentRecord(
                checkout=checkout,
                kind="succeeded",
                stripe_id=f"pi_bench_{n:07d}",
                amount=Decimal(n % 5000) / 100,
                detail='=HYPERLINK("http://x")' if n % 1000 == 0 else f"bench row {n}",
            )
            for n in range(rows)
        ]
        PaymentRecord.objects.bulk_create(batch, batch_size=5000)
        del batch
        user = User.objects.create_superuser(email="bench-admin@example.com", password=None)
        model_admin = admin.site.get_model_admin(PaymentRecord)

        def streamed() -> int:
            request = RequestFactory().get(reverse("admin:checkout_paymentrecord_changelist") + "export.csv")
            request.user = user
            response = model_admin.csv_export_view(request)
            return sum(len(chunk) for chunk in response.streaming_content)

        def in_memory() -> int:
            queryset = model_admin.get_queryset(None).order_by("-pk")
            values = list(queryset.values_list(*model_admin.csv_fields))
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(model_admin.csv_fields)
            writer.writerows(values)
            return len(out.getvalue().encode())

        for label, produce in (("streamed export", streamed), ("in memory (baseline)", in_memory)):
            size, seconds, peak = _measure(produce)
            self.stdout.write(
                f"{label:>22}: {rows} rows, {size / 2**20:.1f} MiB of CSV in {seconds:.2f} s, "
                f"peak Python memory {peak:.1f} MiB"
            )
