"""``manage.py bench_dashboard``: the staff dashboard's page time at 100K orders, against a baseline in the same run.

Seeds (once, with bulk inserts) a marketplace history over 180 days: shoppers, shops, checkouts of one to
three shops each, their orders, items, ledger lines, payment audit rows (declined cards included),
partial and full refunds with their ledger lines. Then times the admin index (the dashboard) for each period through
Django's test client, signed in as a superuser (every figure shown), and the admin's plain order
changelist as the baseline, round robin so noise on a shared machine spreads over all of them; prints
p50/p95 and each one's ratio to the baseline's p50.

It writes a lot of rows: it refuses a database whose name doesn't contain "bench" (``make
bench-dashboard`` uses its own, ``marketplace_bench_dashboard``).
"""

import random
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import Category, Product
from checkout.models import Checkout, PaymentRecord
from marketplace.accounts.models import User
from marketplace.models import StripeEvent
from marketplace.money import fee, round_money
from orders.models import LedgerEntry, Order, OrderItem, OrderRefund
from vendors.models import Vendor

DAYS = 180
BATCH = 5000
PERIODS = ("today", "7d", "30d", "90d")
S = Order.Status
K = LedgerEntry.Kind


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)

    def pick(p):
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return pick(0.50), pick(0.95)


@contextmanager
def _timestamps_as_given(*models):
    """Inserts keep the ``created_at`` we give instead of stamping now (``auto_now_add`` is applied by pre_save)."""
    fields = [f for model in models for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def _copy_insert(model, objs: list) -> list:
    """Insert ``objs`` with PostgreSQL's COPY, several times faster than ``bulk_create``'s INSERTs at this size.

    Ids come from the table's own sequence first, so rows inserted later can point at these.
    """
    if not objs:
        return objs
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    return objs


class Command(BaseCommand):
    help = "Benchmark the staff dashboard (the admin index) at 100K orders against the order changelist."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=100_000)
        parser.add_argument("--shops", type=int, default=300)
        parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
        parser.add_argument("--seed", type=int, default=14)

    def handle(self, *args, orders, shops, runs, seed, **options):
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            raise CommandError(f"Database {name!r}: the benchmark writes 100K orders; run it on a *bench* database.")
        have = Order.objects.count()
        if have == 0:
            started = time.perf_counter()
            self._seed(orders=orders, shops=shops, rng=random.Random(seed))
            self.stdout.write(f"Seeded in {time.perf_counter() - started:.1f} s")
        elif have < orders * 0.9:
            raise CommandError(f"{name} holds {have:,} orders, not about {orders:,}: drop it and run again.")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"Data: {Order.objects.count():,} orders in {Checkout.objects.count():,} checkouts, "
            f"{LedgerEntry.objects.count():,} ledger lines, {PaymentRecord.objects.count():,} payment rows, "
            f"{OrderRefund.objects.count():,} refunds, {Vendor.objects.count():,} shops. Runs per page: {runs}."
        )
        self._measure(runs)

    # --- Timing -------------------------------------------------------------------------------------

    def _measure(self, runs: int):
        staff, _ = User.objects.get_or_create(
            email="bench-staff@demo.artisan.test", defaults={"is_staff": True, "is_superuser": True}
        )
        pages = [("order changelist (baseline)", reverse("admin:orders_order_changelist"))]
        pages += [(f"dashboard {p}", f"{reverse('admin:index')}?period={p}") for p in PERIODS]
        samples: dict[str, list[float]] = {label: [] for label, _ in pages}
        with override_settings(STAFF_REQUIRE_MFA=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            client = Client()
            client.force_login(staff)
            queries = {}
            for label, path in pages:  # warm-up, and the number of queries each page makes
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered {response.status_code}")
                queries[label] = len(captured.captured_queries)
            for _ in range(runs):
                for label, path in pages:
                    started = time.perf_counter()
                    client.get(path)
                    samples[label].append((time.perf_counter() - started) * 1000)
                    reset_queries()
        floor = _percentiles(samples[pages[0][0]])[0]
        self.stdout.write(
            f"\n{'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'mean':>8} {'queries':>8} {'× baseline p50':>15}"
        )
        for label, _ in pages:
            p50, p95 = _percentiles(samples[label])
            mean = statistics.fmean(samples[label])
            self.stdout.write(f"{label:<30} {p50:8.1f} {p95:8.1f} {mean:8.1f} {queries[label]:8d} {p50 / floor:15.2f}")

    # --- Seeding --------------------------------------------------------------------------------------

    def _seed(self, *, orders: int, shops: int, rng: random.Random):
        now = timezone.now()
        self._numbers = 0
        rate = settings.PLATFORM_FEE_RATE
        currency = settings.MARKETPLACE_CURRENCY
        password = make_password(None)  # unusable: nobody signs in as these people

        def when(days_back_max=DAYS):
            return now - timedelta(seconds=rng.uniform(0, days_back_max * 86400))

        with transaction.atomic(), _timestamps_as_given(Vendor, Product, Checkout, Order, LedgerEntry, OrderRefund,
                                                        PaymentRecord, StripeEvent):  # fmt: skip
            shoppers_count = max(orders // 8, 10)
            User.objects.bulk_create(
                [User(email=f"bench-shopper{i}@demo.artisan.test", password=password, date_joined=when(DAYS + 180))
                 for i in range(shoppers_count)], batch_size=BATCH,
            )  # fmt: skip
            owners = User.objects.bulk_create(
                [User(email=f"bench-maker{i}@demo.artisan.test", password=password, date_joined=when(DAYS + 180))
                 for i in range(shops)], batch_size=BATCH,
            )  # fmt: skip
            shop_rows = [
                Vendor(owner=owner, name=f"Bench Shop {i}", slug=f"bench-shop-{i}", town="Bath", country="GB",
                       shipping_flat=Decimal(rng.choice(["0.00", "3.50", "4.50", "6.00"])),
                       processing_days=rng.choice([1, 2, 3, 5]),
                       status=Vendor.Status.PENDING if i % 40 == 0 else Vendor.Status.APPROVED,
                       charges_enabled=True, payouts_enabled=True, stripe_account_id=f"acct_bench{i}",
                       created_at=when(DAYS + 180))
                for i, owner in enumerate(owners)
            ]  # fmt: skip
            vendors = Vendor.objects.bulk_create(shop_rows, batch_size=BATCH)
            category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
            products = Product.objects.bulk_create(
                [Product(vendor=v, title=f"Bench piece {v.pk}-{n}", slug=f"bench-{v.pk}-{n}", category=category,
                         price=round_money(Decimal(rng.randint(800, 15000)) / 100), stock_quantity=1000,
                         status=Product.Status.ACTIVE, created_at=v.created_at)
                 for v in vendors for n in range(5)], batch_size=BATCH,
            )  # fmt: skip
            by_shop: dict[int, list[Product]] = {}
            for p in products:
                by_shop.setdefault(p.vendor_id, []).append(p)
            shopper_ids = list(User.objects.filter(email__startswith="bench-shopper").values_list("pk", flat=True))
            made = 0
            checkout_no = 0
            while made < orders:
                batch = self._seed_checkouts(
                    rng=rng, now=now, when=when, rate=rate, currency=currency, vendors=vendors, by_shop=by_shop,
                    shopper_ids=shopper_ids, start=checkout_no, want=min(BATCH, orders - made),
                )  # fmt: skip
                checkout_no += batch[0]
                made += batch[1]
                self.stdout.write(f"  {made:,} orders", ending="\r")
                self.stdout.flush()
            StripeEvent.objects.bulk_create(
                [StripeEvent(event_id=f"evt_bench{i}", type="charge.refunded", payload={}, received_at=when(),
                             processed_at=None if i % 10 == 0 else now, error="timeout" if i % 10 == 0 else "")
                 for i in range(2000)], batch_size=BATCH,
            )  # fmt: skip
        self.stdout.write("")

    def _seed_checkouts(self, *, rng, now, when, rate, currency, vendors, by_shop, shopper_ids, start, want):
        """About ``want`` orders in checkouts of one to three shops. Returns (checkouts made, orders made)."""
        approved = [v for v in vendors if v.status == Vendor.Status.APPROVED]
        plans = []
        planned = 0
        while planned < want:
            shops = rng.sample(approved, k=min(rng.choices([1, 2, 3], weights=[55, 30, 15])[0], want - planned))
            plans.append(shops)
            planned += len(shops)
        checkouts, order_plans = [], []
        for n, shops in enumerate(plans, start=start):
            placed = when()
            # 6 % are never paid (the card declined, the shopper left); 8 % of those paid had a decline first.
            paid = rng.random() >= 0.06
            lines = []
            for shop in shops:
                product = rng.choice(by_shop[shop.pk])
                quantity = rng.choice([1, 1, 1, 2, 3])
                subtotal = product.price * quantity
                lines.append((shop, product, quantity, subtotal, shop.shipping_flat))
            subtotal = sum(line[3] for line in lines)
            shipping = sum(line[4] for line in lines)
            fees = [fee(line[3] + line[4], rate) for line in lines]
            checkouts.append(
                Checkout(user_id=rng.choice(shopper_ids), email=f"bench{n}@demo.artisan.test", shipping_name="Bench",
                         shipping_line1="1 High St", shipping_city="Bath", shipping_postcode="BA1 1AA",
                         shipping_country="GB", currency=currency, subtotal=subtotal, shipping=shipping,
                         total=subtotal + shipping, platform_fee=sum(fees),
                         status=Checkout.Status.PAID if paid else Checkout.Status.EXPIRED,
                         payment_intent_id=f"pi_bench{n}", charge_id=f"ch_bench{n}" if paid else "",
                         created_at=placed, expires_at=placed + timedelta(minutes=30),
                         paid_at=placed + timedelta(minutes=2) if paid else None)
            )  # fmt: skip
            order_plans.append((lines, fees, paid, rng.random() < 0.08))
        checkouts = _copy_insert(Checkout, checkouts)
        new_orders, records = [], []
        for checkout, (lines, fees, paid, declined_first) in zip(checkouts, order_plans, strict=True):
            records.append(PaymentRecord(checkout=checkout, kind=PaymentRecord.Kind.INTENT,
                                         stripe_id=checkout.payment_intent_id, amount=checkout.total,
                                         created_at=checkout.created_at))  # fmt: skip
            if declined_first or not paid:
                records.append(PaymentRecord(checkout=checkout, kind=PaymentRecord.Kind.FAILED, stripe_id="pm_declined",
                                             detail="Your card was declined.",
                                             created_at=checkout.created_at + timedelta(minutes=1)))  # fmt: skip
            if paid:
                records.append(PaymentRecord(checkout=checkout, kind=PaymentRecord.Kind.SUCCEEDED,
                                             stripe_id=checkout.charge_id, amount=checkout.total,
                                             created_at=checkout.paid_at))  # fmt: skip
            for (shop, product, quantity, subtotal, shipping), platform_fee in zip(lines, fees, strict=True):
                total = subtotal + shipping
                age = now - checkout.created_at
                status = S.EXPIRED
                if paid:
                    status = rng.choices(
                        [S.DELIVERED, S.SHIPPED, S.PROCESSING, S.PAID, S.REFUNDED, S.PARTIALLY_REFUNDED],
                        weights=[70, 10, 4, 4, 5, 7],
                    )[0]
                    if age > timedelta(days=20) and status in (S.SHIPPED, S.PROCESSING, S.PAID):
                        status = S.DELIVERED
                order = Order(checkout=checkout, vendor=shop, status=status, currency=checkout.currency,
                              number=f"AM-B{self._numbers:08d}", subtotal=subtotal,
                              shipping=shipping, total=total, platform_fee=platform_fee,
                              vendor_net=total - platform_fee, paid_at=checkout.paid_at,
                              created_at=checkout.created_at)  # fmt: skip
                self._numbers += 1
                order._line = (product, quantity, subtotal)
                new_orders.append(order)
        _copy_insert(PaymentRecord, records)
        new_orders = _copy_insert(Order, new_orders)
        items, ledger, refunds = [], [], []
        for order in new_orders:
            product, quantity, subtotal = order._line
            items.append(OrderItem(order=order, product=product, title=product.title, unit_price=product.price,
                                   quantity=quantity, line_total=subtotal))  # fmt: skip
            if order.paid_at is None:
                continue
            ledger += [
                LedgerEntry(account="shop", vendor_id=order.vendor_id, order=order, kind=K.SALE, amount=order.total,
                            currency=order.currency, created_at=order.paid_at),
                LedgerEntry(account="shop", vendor_id=order.vendor_id, order=order, kind=K.PLATFORM_FEE,
                            amount=-order.platform_fee, currency=order.currency, created_at=order.paid_at),
                LedgerEntry(account="platform", vendor_id=order.vendor_id, order=order, kind=K.PLATFORM_FEE,
                            amount=order.platform_fee, currency=order.currency, created_at=order.paid_at),
            ]  # fmt: skip
            if order.status in (S.REFUNDED, S.PARTIALLY_REFUNDED):
                amount = order.total if order.status == S.REFUNDED else round_money(order.total * Decimal("0.3"))
                at = min(order.paid_at + timedelta(days=rng.uniform(0.1, 10)), now)
                returned = round_money(order.platform_fee * amount / order.total)
                refunds.append(OrderRefund(order=order, amount=amount, request_key=f"bench-{order.number}",
                                           stripe_refund_id=f"re_bench_{order.number}",
                                           status=OrderRefund.Status.SUCCEEDED, platform_fee_returned=returned,
                                           reversal_status="reversed", created_at=at))  # fmt: skip
        _copy_insert(OrderItem, items)
        refunds = _copy_insert(OrderRefund, refunds)
        for refund in refunds:
            order = refund.order
            ledger += [
                LedgerEntry(account="shop", vendor_id=order.vendor_id, order=order, refund=refund, kind=K.REFUND,
                            amount=-refund.amount, currency=order.currency, created_at=refund.created_at),
                LedgerEntry(account="shop", vendor_id=order.vendor_id, order=order, refund=refund, kind=K.FEE_RETURN,
                            amount=refund.platform_fee_returned, currency=order.currency, created_at=refund.created_at),
                LedgerEntry(account="platform", vendor_id=order.vendor_id, order=order, refund=refund,
                            kind=K.FEE_RETURN, amount=-refund.platform_fee_returned, currency=order.currency,
                            created_at=refund.created_at),
            ]  # fmt: skip
        _copy_insert(LedgerEntry, ledger)
        return len(checkouts), len(new_orders)
