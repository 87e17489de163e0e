from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import Product
from marketplace import demo_data


class Command(BaseCommand):
    help = (
        "Load the demo marketplace (idempotent). With more --products or --shops than the database has, "
        "tops the catalogue up to that size (e.g. --products 100000 --shops 500 for benchmarks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shops", type=int, default=50)
        parser.add_argument("--products", type=int, default=1000)
        parser.add_argument("--shoppers", type=int, default=1000)

    def handle(self, *args, shops, products, shoppers, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo makes accounts with a published password; it never runs in production.")
        if shops < 1 or products < 0 or shoppers < 1:
            raise CommandError("--shops and --shoppers must be at least 1, --products at least 0.")
        quiet = options["verbosity"] == 0
        if demo_data.demo_already_loaded():
            have = Product.objects.count()
            if products <= have:
                self.stdout.write("Demo data already loaded; nothing to do.")
                return
            with tqdm(total=products - have, unit="product", desc="Topping up", disable=quiet) as bar:
                shop_count, product_count = demo_data.ensure_benchmark_catalogue(
                    products=products, shops=shops, progress=bar.update
                )
            self.stdout.write(self.style.SUCCESS(f"Catalogue now has {shop_count} shops, {product_count} products."))
            return
        with tqdm(total=products, unit="product", desc="Seeding", disable=quiet) as bar:
            result = demo_data.seed(shops=shops, products=products, shoppers=shoppers, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.categories} categories, {result.shops} shops, "
                f"{result.shoppers} shoppers, {result.products} products."
            )
        )
        self.stdout.write(
            f"Demo logins (password {demo_data.DEMO_PASSWORD}): staff {demo_data.STAFF_EMAIL}, "
            f"shopper {demo_data.SHOPPER_EMAIL}, maker {demo_data.MAKER_EMAIL}"
        )
