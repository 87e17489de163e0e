"""The published demo accounts (no Django imports: ``make run`` prints these before Django starts)."""

DEMO_PASSWORD = "handmade-demo-2026"  # noqa: S105 -- published demo login; seed_demo refuses production
STAFF_EMAIL = "staff@demo.artisan.test"
SHOPPER_EMAIL = "shopper@demo.artisan.test"
MAKER_EMAIL = "maker@demo.artisan.test"
